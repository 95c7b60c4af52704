import { createHash } from 'node:crypto';
import type { SafeHtml } from './email.render';

/** Who an email goes to. `actorId` names whose email setting its unsubscribe link changes (null: nobody's). */
export interface Recipient {
  readonly address: string;
  readonly name: string | null;
  readonly actorId: string | null;
}

/**
 * What a renderer produces: the content, written with the helpers of
 * email.render.ts. EmailComposer turns it into an Email.
 */
export interface EmailDraft {
  /**
   * What the email is about, as a kind and ids: `invitation:<invitation id>`,
   * `notification:<notification id>`. It derives the Message-ID and names the
   * email in logs, which never carry addresses, subjects or bodies.
   */
  readonly about: string;
  readonly to: Recipient;
  /** As people wrote it: the composer makes it one line. */
  readonly subject: string;
  /** The plain-text body, before the footer. */
  readonly text: string;
  /** The HTML body, before the layout and the footer. */
  readonly html: SafeHtml;
}

/**
 * One email, complete: what a Mailer sends, and what a retry sends again with
 * the same Message-ID. JSON-safe, so a job can carry it (sealed).
 */
export interface Email {
  readonly about: string;
  readonly to: { readonly address: string; readonly name: string | null };
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** `<hash@host>`: the same for every attempt and every rendering of the same `about`. */
  readonly messageId: string;
  /** RFC 8058 one-click unsubscribe link, or null when the recipient has no setting to change. */
  readonly unsubscribeUrl: string | null;
}

/** A Message-ID derived from what the email is about, on the host of PUBLIC_URL. */
export function messageIdFor(publicUrl: string, about: string): string {
  const hash = createHash('sha256').update(`sidedoor/message-id\n${about}`).digest('hex').slice(0, 40);
  return `<${hash}@${new URL(publicUrl).hostname}>`;
}

/** One plain address: no display name, no list, no whitespace or control character, nothing a header could split on. */
export function isPlainAddress(address: string): boolean {
  return /^[^\s@<>()[\]\\,;:"\p{Cc}]+@[^\s@<>()[\]\\,;:"\p{Cc}]+\.[^\s@<>()[\]\\,;:"\p{Cc}]+$/u.test(address) && address.length <= 254;
}
