import type { ActorEntity } from '../../src/actor/actor.entity';
import { toGlobalId } from '../../src/ids';
import { uniqueEmail, type Session } from './factories';
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
 * A guest of the owner's organization with access to some conversations and a
 * live session, written straight to the database: guest invitations are
 * another feature, and these tests only need a guest to exist.
 */
export async function buildGuest(
  server: TestServer,
  owner: Session,
  conversationIds: string[] = [],
  overrides: Partial<{ name: string }> = {},
): Promise<Session> {
  const email = uniqueEmail('guest');
  const dataSource = server.app.database.dataSource;
  const [row] = await dataSource.query(
    `INSERT INTO actors (organization_id, kind, status, email, name, invited_by_id) VALUES ($1, 'GUEST', 'ACTIVE', $2, $3, $4) RETURNING id`,
    [owner.viewer.organizationId, email, overrides.name ?? 'Gus Guest', owner.viewer.actorId],
  );
  for (const id of conversationIds) {
    await dataSource.query(`INSERT INTO guest_access (conversation_id, guest_id, organization_id, granted_by_id) VALUES ($1, $2, $3, $4)`, [
      id,
      row.id,
      owner.viewer.organizationId,
      owner.viewer.actorId,
    ]);
  }
  const token = await server.app.services.sessions.create(row.id);
  const viewer = await server.app.services.sessions.authenticate(token);
  const actor = { id: row.id, organizationId: owner.viewer.organizationId, kind: 'GUEST', name: overrides.name ?? 'Gus Guest', email } as ActorEntity;
  return { token, viewer: viewer!, actor, email };
}

/** Rows of a table matching a condition, straight from the database: what "nothing changed" checks count. */
export async function countRows(server: TestServer, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const [{ count }] = await server.app.database.dataSource.query(`SELECT count(*)::int AS count FROM ${table} WHERE ${where}`, params);
  return count;
}
