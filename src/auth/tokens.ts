import { createHmac, randomBytes } from 'node:crypto';

/** A random bearer secret: 32 bytes, URL-safe, with a prefix that makes leaked tokens easy to spot. */
export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** What the database keeps instead of a token: a keyed hash, useless without SESSION_SECRET. */
export function hashToken(secret: string, token: string): string {
  return createHmac('sha256', secret).update(token).digest('base64url');
}
