import { notFound } from './errors';

/** The GraphQL types whose objects have a global ID. */
export type NodeType =
  | 'Organization'
  | 'GuestSettings'
  | 'GuestUsage'
  | 'User'
  | 'Guest'
  | 'Team'
  | 'Conversation'
  | 'Message'
  | 'Comment'
  | 'Task'
  | 'Attachment'
  | 'AuditEvent'
  | 'Notification';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether a value is a database id (a lower-case UUID): anything else cannot name a row, and must not reach a query. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** Opaque global ID: base64url of "Type:uuid". Clients must not parse it. */
export function toGlobalId(type: NodeType, id: string): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

export function parseGlobalId(globalId: string): { type: NodeType; id: string } | null {
  if (typeof globalId !== 'string' || globalId.length > 200) return null;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const type = decoded.slice(0, colon) as NodeType;
  const id = decoded.slice(colon + 1);
  if (!isUuid(id) || toGlobalId(type, id) !== globalId) return null;
  return { type, id };
}

/**
 * The database id behind a global ID of one of the expected types. Anything
 * else (malformed, another type) is NOT_FOUND, exactly like a missing object.
 */
export function decodeId(globalId: string, ...types: NodeType[]): string {
  const parsed = parseGlobalId(globalId);
  if (!parsed || !types.includes(parsed.type)) throw notFound();
  return parsed.id;
}

/** An actor's database id and the kind its global ID claims: a User ID names a member, a Guest ID a guest. */
export function decodeActorId(globalId: string): { id: string; kind: 'MEMBER' | 'GUEST' } | null {
  const parsed = parseGlobalId(globalId);
  if (!parsed || (parsed.type !== 'User' && parsed.type !== 'Guest')) return null;
  return { id: parsed.id, kind: parsed.type === 'User' ? 'MEMBER' : 'GUEST' };
}
