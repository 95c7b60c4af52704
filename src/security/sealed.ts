import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Sealed values: JSON encrypted and authenticated (AES-256-GCM) under a key
 * derived from SESSION_SECRET and a label, so that what waits in the database
 * (an email with an invitation link in a job, say) is unreadable and
 * unforgeable without the secret, and a value sealed for one use cannot be
 * opened as another.
 */

const VERSION = 'v1';

function keyFor(secret: string, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'sidedoor/sealed', label, 32));
}

export function seal(secret: string, label: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret, label), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

/** The value, or null when the sealed text was tampered with, sealed for another label or under another secret. */
export function unseal<T>(secret: string, label: string, sealed: string): T | null {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || data === undefined) return null;
  try {
    // A fixed tag length: GCM would otherwise accept a truncated tag, which is easier to forge.
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secret, label), Buffer.from(iv, 'base64url'), { authTagLength: 16 });
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  } catch {
    return null;
  }
}
