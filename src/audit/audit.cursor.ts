import { badInput } from '../errors';
import { isUuid } from '../ids';

/** Where a page of the audit log resumes: the last event's time (to the microsecond, as text) and id. */
export interface AuditPosition {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, exactly as PostgreSQL stored it. */
  occurredAt: string;
  id: string;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * Audit cursors are opaque to clients: encode and decode live here only, so
 * the format can change (signed, encrypted) without touching anything else.
 */
export const encodeAuditCursor = ({ occurredAt, id }: AuditPosition): string => Buffer.from(`ae:${occurredAt}:${id}`, 'utf8').toString('base64url');

export function decodeAuditCursor(cursor: string | null | undefined, field = 'after'): AuditPosition | null {
  if (cursor === null || cursor === undefined) return null;
  const decoded = typeof cursor === 'string' && cursor.length < 120 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^ae:(.+):([^:]+)$/.exec(decoded);
  const position = match ? { occurredAt: match[1]!, id: match[2]! } : null;
  if (!position || !TIME.test(position.occurredAt) || !isUuid(position.id) || encodeAuditCursor(position) !== cursor) {
    throw badInput(`${field} is not a cursor this API gave out.`, field);
  }
  return position;
}
