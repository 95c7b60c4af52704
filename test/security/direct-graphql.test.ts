import { CONVERSATION_PAGE } from '../../bench/queries';
import { buildGuestScene, type GuestScene } from '../support/factories';
import { startServer, type TestServer } from '../support/server';
import { jsonHeaders, LogCapture, raw } from './helpers';
import { toGlobalId } from '../../src/ids';
import { createLogger } from '../../src/logger';

/**
 * Plain JSON POSTs to /graphql skip Express (src/direct-graphql.ts); a query
 * string sends the same request through Express. Both must answer alike:
 * status, body, headers (less the ETag Express adds and the date) and the
 * access log line.
 */
const logs = new LogCapture();
let server: TestServer;
let scene: GuestScene;
let threadId: string;
beforeAll(async () => {
  server = await startServer({ LOG_LEVEL: 'info' }, { logger: createLogger({ logLevel: 'info' }, logs) });
  scene = await buildGuestScene(server);
  threadId = toGlobalId('Conversation', scene.thread.id);
});
afterAll(() => server?.stop());

const IGNORED_HEADERS = new Set(['date', 'etag', 'keep-alive', 'connection']);

async function bothPaths(init: { headers?: Record<string, string>; body?: string }) {
  // One after the other: errors are listed in the order their fields fail, which concurrent requests could shuffle.
  const send = (path: string) => raw(server, { ...init, path, headers: { 'x-request-id': 'same-id', ...init.headers } });
  const direct = await send('/graphql');
  const viaExpress = await send('/graphql?via=express');
  const headersOf = (response: typeof direct) => [...response.headers].filter(([name]) => !IGNORED_HEADERS.has(name)).sort();
  return { direct: answerOf(direct, headersOf(direct)), viaExpress: answerOf(viaExpress, headersOf(viaExpress)) };
}

/**
 * What is compared. graphql-js lists errors in the order their fields fail,
 * and sibling fields wait on different statements: the same request may list
 * them in another order from one run to the next, on either path.
 */
function answerOf(response: { status: number; text: string }, headers: Array<[string, string]>) {
  let body: unknown = response.text;
  try {
    const parsed = JSON.parse(response.text) as { errors?: unknown[] };
    body = { ...parsed, errors: parsed.errors?.map((error) => JSON.stringify(error)).sort() };
  } catch {
    // Not JSON: compared as text.
  }
  return { status: response.status, body, headers };
}

const page = (id: string) => JSON.stringify({ query: CONVERSATION_PAGE, variables: { id, messages: 10, comments: 10 } });

describe('the direct path for plain JSON POSTs to /graphql', () => {
  it('is taken by a plain JSON POST, and not with a query string (the ETag Express adds tells them apart)', async () => {
    const init = { headers: jsonHeaders(scene.owner.token), body: JSON.stringify({ query: `{ viewer { id } }` }) };
    expect((await raw(server, { ...init, path: '/graphql' })).headers.get('etag')).toBeNull();
    expect((await raw(server, { ...init, path: '/graphql?via=express' })).headers.get('etag')).not.toBeNull();
    expect((await raw(server, { ...init, path: '/graphql', headers: { ...init.headers, origin: 'https://app.example.test' } })).headers.get('etag')).not.toBeNull();
  });

  it("answers the owner's conversation page as Express does", async () => {
    const { direct, viaExpress } = await bothPaths({ headers: jsonHeaders(scene.owner.token), body: page(threadId) });
    expect(direct.status).toBe(200);
    expect((direct.body as { data: { conversation: { id: string } } }).data.conversation.id).toBe(threadId);
    expect(direct).toEqual(viaExpress);
  });

  it("answers the guest's page, with its FORBIDDEN errors, as Express does", async () => {
    const query = `query ($id: ID!) { conversation(id: $id) { id members: participants { name ... on User { email } } messages { nodes { bcc } } } }`;
    const { direct, viaExpress } = await bothPaths({ headers: jsonHeaders(scene.guest.token), body: JSON.stringify({ query, variables: { id: threadId } }) });
    const codes = (direct.body as { errors: string[] }).errors.map((error) => JSON.parse(error).extensions.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['FORBIDDEN']));
    expect(direct).toEqual(viaExpress);
  });

  it('refuses a body over 1 MB with 413 as Express does', async () => {
    const body = JSON.stringify({ query: `{ __typename }`, variables: { padding: 'x'.repeat(1024 * 1024) } });
    const { direct, viaExpress } = await bothPaths({ headers: jsonHeaders(scene.owner.token), body });
    expect(direct.status).toBe(413);
    expect(JSON.parse((direct.body as { errors: string[] }).errors[0]!).extensions.code).toBe('BAD_USER_INPUT');
    expect(direct).toEqual(viaExpress);
  });

  it.each([
    ['a body that is not JSON', '{ "query": '],
    ['a JSON string rather than an object', '"{ __typename }"'],
    ['an empty body', ''],
    ['a body without a query', '{}'],
    ['a batch, which this server refuses', '[{ "query": "{ __typename }" }]'],
  ])('answers %s as Express does', async (_name, body) => {
    const { direct, viaExpress } = await bothPaths({ headers: jsonHeaders(scene.owner.token), body });
    expect(direct.status).toBe(400);
    expect(direct).toEqual(viaExpress);
  });

  it('answers a mutation and an anonymous caller as Express does', async () => {
    const { direct, viaExpress } = await bothPaths({ headers: jsonHeaders(), body: JSON.stringify({ query: `{ viewer { id } }` }) });
    expect(JSON.parse((direct.body as { errors: string[] }).errors[0]!).extensions.code).toBe('UNAUTHENTICATED');
    expect(direct).toEqual(viaExpress);
    const logOut = await bothPaths({ headers: jsonHeaders(), body: JSON.stringify({ query: `mutation { logOut }` }) });
    expect(logOut.direct).toEqual(logOut.viaExpress);
  });

  it('logs one line per request with the same id, method, path and status', async () => {
    logs.raw.length = 0;
    await bothPaths({ headers: { ...jsonHeaders(scene.owner.token), 'x-request-id': 'logged-id' }, body: JSON.stringify({ query: `{ viewer { id } }` }) });
    const lines = logs.lines.filter((line) => line.msg === 'request' && line.requestId === 'logged-id');
    expect(lines.map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      { method: 'POST', path: '/graphql', status: 200 },
      { method: 'POST', path: '/graphql', status: 200 },
    ]);
  });
});
