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

/** The attachment upload endpoint's answer: its status and JSON body (the new attachment, or an error). */
export interface UploadResponse {
  status: number;
  body: any;
}

/** Uploads one small text file as `token`, through the public endpoint (POST /attachments, multipart). */
export async function uploadFile(server: TestServer, token: string, text: string, filename = 'notes.txt'): Promise<UploadResponse> {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/plain' }), filename);
  const response = await fetch(`${server.url}/attachments`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: response.status, body: await response.json() };
}
