import { badInput } from './errors';

// Pragmatic address check: one @, no spaces, a dot in the domain. RFC 5322 in full accepts more than any inbox does.
const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]{2,}$/;

/**
 * Text PostgreSQL can store. It refuses NUL characters in text columns, so
 * without this check they would surface as a masked server error instead of
 * the caller's own mistake.
 */
export function storable(value: string, field: string): string {
  if (value.includes('\u0000')) throw badInput(`${field} must not contain NUL characters.`, field);
  return value;
}

/** A trimmed, lower-cased email address, or BAD_USER_INPUT naming the field. */
export function email(value: string, field = 'email'): string {
  const trimmed = storable(value, field).trim();
  if (trimmed.length > 254 || !EMAIL.test(trimmed)) throw badInput(`${field} must be an email address like name@example.com.`, field);
  return trimmed.toLowerCase();
}

/** Trimmed text of a bounded length, or BAD_USER_INPUT naming the field. */
export function text(value: string, field: string, { min = 1, max = 200 }: { min?: number; max?: number } = {}): string {
  const trimmed = storable(value, field).trim();
  if (trimmed.length < min) throw badInput(min === 1 ? `${field} must not be empty.` : `${field} must be at least ${min} characters.`, field);
  if (trimmed.length > max) throw badInput(`${field} must be at most ${max} characters.`, field);
  return trimmed;
}

/** Optional text: undefined and null stay as they are; empty becomes null. */
export function optionalText(value: string | null | undefined, field: string, max = 200): string | null | undefined {
  if (value === undefined || value === null) return value;
  const trimmed = value.trim();
  if (trimmed.length === 0) return null;
  return text(trimmed, field, { max });
}

/** A moment that must still be ahead (an access's end), or BAD_USER_INPUT naming the field. */
export function futureDate(value: Date, field: string, now = Date.now()): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw badInput(`${field} must be a date and time.`, field);
  if (value.getTime() <= now) throw badInput(`${field} must be in the future.`, field);
  return value;
}
