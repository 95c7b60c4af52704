import type { ActorEntity } from '../../src/actor/actor.entity';
import { toGlobalId } from '../../src/ids';
import type { GraphQLResponse, TestServer } from './server';

/** Global IDs as the API gives them out. */
export const userId = (actor: Pick<ActorEntity, 'id'>) => toGlobalId('User', actor.id);
export const guestId = (actor: Pick<ActorEntity, 'id'>) => toGlobalId('Guest', actor.id);
export const conversationId = (id: string) => toGlobalId('Conversation', id);

/** The global ID of an actor as the API shows it (User or Guest). */
export const actorGlobalId = (actor: Pick<ActorEntity, 'id' | 'kind'>) => (actor.kind === 'GUEST' ? guestId(actor) : userId(actor));

/** The data of a response that must have succeeded; the errors show in the failure message when it did not. */
export function ok<T = any>(response: GraphQLResponse<T>): T {
  expect(response.errors).toBeUndefined();
  return response.data as T;
}

/** Rows of a table matching a condition, straight from the database: what "nothing changed" checks count. */
export async function countRows(server: TestServer, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const [{ count }] = await server.app.database.dataSource.query(`SELECT count(*)::int AS count FROM ${table} WHERE ${where}`, params);
  return count;
}
