import type { ActorEntity } from '../../src/actor/actor.entity';
import { toGlobalId } from '../../src/ids';
import { buildGuest as buildInvitedAndAcceptedGuest, type Session } from './factories';
import type { GraphQLResponse, TestServer } from './server';

/** Global IDs as the API gives them out. */
export const userId = (actor: Pick<ActorEntity, 'id'>) => toGlobalId('User', actor.id);
export const guestId = (actor: Pick<ActorEntity, 'id'>) => toGlobalId('Guest', actor.id);
export const conversationId = (id: string) => toGlobalId('Conversation', id);

/** The data of a response that must have succeeded; the errors show in the failure message when it did not. */
export function ok<T = any>(response: GraphQLResponse<T>): T {
  expect(response.errors).toBeUndefined();
  return response.data as T;
}

/**
 * A logged-in guest of the owner's organization with access to exactly these
 * conversations (database ids), made through the real invitation flow. With
 * none, the guest is invited somewhere and removed again.
 */
export async function buildGuest(
  server: TestServer,
  owner: Session,
  conversationIds: string[] = [],
  overrides: Partial<{ name: string }> = {},
): Promise<Session> {
  const { services } = server.app;
  const [first, ...rest] = conversationIds;
  const entry = first ?? (await services.conversations.create(owner.viewer, { subject: 'Guest entry' })).id;
  const guest = await buildInvitedAndAcceptedGuest(server, owner, entry, { name: overrides.name ?? 'Gus Guest' });
  if (!first) await services.guests.removeFromConversation(owner.viewer, { guestId: guestId(guest.actor), conversationId: conversationId(entry) });
  for (const id of rest) {
    await services.guests.addToConversation(owner.viewer, { guestId: guestId(guest.actor), conversationId: conversationId(id) });
  }
  return { ...guest, viewer: (await server.app.services.sessions.authenticate(guest.token))! };
}

/** Rows of a table matching a condition, straight from the database: what "nothing changed" checks count. */
export async function countRows(server: TestServer, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const [{ count }] = await server.app.database.dataSource.query(`SELECT count(*)::int AS count FROM ${table} WHERE ${where}`, params);
  return count;
}
