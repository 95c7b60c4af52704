import { createHmac, randomBytes } from 'node:crypto';

/** A random bearer secret: 32 bytes, URL-safe, with a prefix that makes leaked tokens easy to spot. */
export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** What the database keeps instead of a token: a keyed hash, useless without SESSION_SECRET. */
export function hashToken(secret: string, token: string): string {
  return createHmac('sha256', secret).update(token).digest('base64url');
}

/** The token of an `Authorization: Bearer <token>` header (or a `connection_init` payload's `authorization`), or null. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1]! : null;
}
