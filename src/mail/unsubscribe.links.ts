import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config';

// Keys these signatures apart from every other use of SESSION_SECRET (token hashes, download links).
const LABEL = 'sidedoor/email-unsubscribe/v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The query of an unsubscribe link, as it came in. */
export interface UnsubscribeParams {
  actor?: unknown;
  sig?: unknown;
}

/**
 * RFC 8058 one-click unsubscribe links: `PUBLIC_URL/email/unsubscribe?actor=<id>&sig=<hmac>`.
 * They never expire (a mailbox provider may use one months later) and name
 * only the recipient, whose email setting they set to NONE; the HMAC makes
 * them impossible to forge for someone else.
 */
export class UnsubscribeLinks {
  constructor(private readonly config: Pick<Config, 'publicUrl' | 'sessionSecret'>) {}

  urlFor(actorId: string): string {
    const query = new URLSearchParams({ actor: actorId, sig: this.signature(actorId) });
    return `${this.config.publicUrl}/email/unsubscribe?${query}`;
  }

  /** The actor a link names, or null when it was not signed by us (tampered, truncated, made up). */
  verify(params: UnsubscribeParams): string | null {
    const { actor, sig } = params;
    if (typeof actor !== 'string' || typeof sig !== 'string' || !UUID.test(actor)) return null;
    const given = Buffer.from(sig);
    const expected = Buffer.from(this.signature(actor));
    return given.length === expected.length && timingSafeEqual(given, expected) ? actor : null;
  }

  private signature(actorId: string): string {
    return createHmac('sha256', this.config.sessionSecret).update(`${LABEL}\n${actorId}`).digest('base64url');
  }
}
