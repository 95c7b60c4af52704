import { buildConversation, buildOrganization, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';
import { acknowledgedSocket, connect, RawSocket } from '../support/websocket';
import { toGlobalId } from '../../src/ids';

let server: TestServer;
let owner: Session;
let conversationId: string;

beforeAll(async () => {
  server = await startServer({ ALLOWED_ORIGINS: 'https://app.sidedoor.test' });
  owner = await buildOrganization(server);
  conversationId = toGlobalId('Conversation', (await buildConversation(server, { creator: owner })).id);
});
afterAll(() => server?.stop());

const COMMENT_ADDED = `subscription ($id: ID!) { commentAdded(conversationId: $id) { id body } }`;

/** A raw socket that has sent connection_init with the owner's token and got its ack. */
const ownerSocket = () => acknowledgedSocket(server, owner.token);

describe('connecting', () => {
  it('acknowledges a connection_init that carries a valid bearer token', async () => {
    const client = await connect(server, owner.token);
    await client.dispose();
  });

  it.each([
    ['no authorization', {}],
    ['an unknown token', { authorization: 'Bearer sd_not-a-real-token' }],
    ['a token without the Bearer scheme', { authorization: 'sd_whatever' }],
  ])('closes the socket with 4403 for %s', async (_label, payload) => {
    const raw = new RawSocket(server.wsUrl);
    await raw.opened;
    raw.send({ type: 'connection_init', payload });
    const { code } = await raw.closed;
    expect(code).toBe(4403);
    expect(raw.messages).toEqual([]);
  });

  it('closes a socket that never sends connection_init with 4408', async () => {
    const raw = new RawSocket(server.wsUrl);
    await raw.opened;
    const { code } = await raw.closed;
    expect(code).toBe(4408);
  });

  it('closes a socket that sends a frame over 1 MiB with 1009', async () => {
    const raw = await ownerSocket();
    raw.send({ id: '1', type: 'subscribe', payload: { query: `{ viewer { id } }`, variables: { padding: 'x'.repeat(1024 * 1024) } } });
    const { code } = await raw.closed;
    expect(code).toBe(1009);
  });

  it('refuses the handshake from an origin that ALLOWED_ORIGINS does not list', async () => {
    const refused = new RawSocket(server.wsUrl, new (require('ws'))(server.wsUrl, 'graphql-transport-ws', { headers: { origin: 'https://evil.test' } }));
    await expect(refused.opened).rejects.toThrow('handshake refused with 403');

    const allowed = await connect(server, owner.token, { origin: 'https://app.sidedoor.test' });
    await allowed.dispose();
  });

  it('refuses a handshake on another path', async () => {
    const raw = new RawSocket(server.wsUrl.replace('/graphql', '/elsewhere'));
    await expect(raw.opened).rejects.toThrow('handshake refused with 404');
  });

  it('negotiates no compression', async () => {
    const raw = await ownerSocket();
    expect(raw.socket.extensions).toBe('');
    raw.close();
  });
});

describe('operations', () => {
  it('runs queries over the socket as the authenticated viewer', async () => {
    const raw = await ownerSocket();
    raw.send({ id: 'q', type: 'subscribe', payload: { query: `{ viewer { name } }` } });
    const next = await raw.message((message) => message.id === 'q' && message.type === 'next', 'the query result');
    expect(next.payload).toEqual({ data: { viewer: { name: owner.actor.name } } });
    await raw.message((message) => message.id === 'q' && message.type === 'complete', 'complete');
    raw.close();
  });

  it('answers an invalid operation with an error message coded BAD_USER_INPUT', async () => {
    const raw = await ownerSocket();
    raw.send({ id: 'bad', type: 'subscribe', payload: { query: `subscription { commentAdded(conversationId: 1) { nope } }` } });
    const error = await raw.message((message) => message.id === 'bad', 'the validation error');
    expect(error.type).toBe('error');
    expect(error.payload.map((e: any) => e.extensions.code)).toEqual(expect.arrayContaining(['BAD_USER_INPUT']));

    raw.send({ id: 'syntax', type: 'subscribe', payload: { query: `subscription {` } });
    const syntax = await raw.message((message) => message.id === 'syntax', 'the syntax error');
    expect(syntax.type).toBe('error');
    expect(syntax.payload[0].extensions.code).toBe('BAD_USER_INPUT');
    raw.close();
  });

  it('applies the HTTP limits to websocket operations: more than 30 aliases is BAD_USER_INPUT', async () => {
    const raw = await ownerSocket();
    const aliases = Array.from({ length: 31 }, (_, n) => `a${n}: viewer { id }`).join(' ');
    raw.send({ id: 'wide', type: 'subscribe', payload: { query: `{ ${aliases} }` } });
    const error = await raw.message((message) => message.id === 'wide', 'the refusal');
    expect(error.type).toBe('error');
    expect(error.payload.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);

    const deep = `subscription ($id: ID!) { commentAdded(conversationId: $id) { conversation { comments { nodes { conversation { comments { nodes {
      conversation { comments { nodes { conversation { comments { nodes { id } } } } } } } } } } } } } }`;
    raw.send({ id: 'deep', type: 'subscribe', payload: { query: deep, variables: { id: conversationId } } });
    const tooDeep = await raw.message((message) => message.id === 'deep', 'the refusal of a deep operation');
    expect(tooDeep.type).toBe('error');
    expect(tooDeep.payload.map((e: any) => e.extensions.code)).toContain('BAD_USER_INPUT');
    raw.close();
  });

  it('refuses the 51st concurrent subscription of a connection and keeps the other 50', async () => {
    const raw = await ownerSocket();
    for (let n = 1; n <= 51; n += 1) {
      raw.send({ id: `s${n}`, type: 'subscribe', payload: { query: COMMENT_ADDED, variables: { id: conversationId } } });
    }
    const refused = await raw.message((message) => message.id === 's51', 'the refusal of the 51st');
    expect(refused.type).toBe('error');
    expect(refused.payload[0].extensions.code).toBe('RATE_LIMITED');
    expect(raw.messages.filter((message) => message.type !== 'connection_ack' && message.id !== 's51')).toEqual([]);

    // Completing one frees a slot.
    raw.send({ id: 's1', type: 'complete' });
    raw.send({ id: 's52', type: 'subscribe', payload: { query: `{ viewer { name } }` } });
    const next = await raw.message((message) => message.id === 's52' && message.type === 'next', 'the query after a slot was freed');
    expect(next.payload.data.viewer.name).toBe(owner.actor.name);
    raw.close();
  });

  it('ends a subscription to a conversation the viewer cannot see with NOT_FOUND', async () => {
    const stranger = await buildOrganization(server);
    const client = await connect(server, stranger.token);
    const subscription = client.subscribe(COMMENT_ADDED, { id: conversationId });
    const ending = await subscription.ended;
    expect(ending.kind).toBe('complete');
    expect(subscription.results).toHaveLength(1);
    expect(subscription.results[0]!.data ?? null).toBeNull();
    expect(subscription.results[0]!.errors!.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);

    const malformed = client.subscribe(COMMENT_ADDED, { id: 'not-an-id' });
    await malformed.ended;
    expect(malformed.results[0]!.errors!.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    await client.dispose();
  });

  it('refuses an after that is not a comment cursor with BAD_USER_INPUT', async () => {
    const client = await connect(server, owner.token);
    const subscription = client.subscribe(`subscription ($id: ID!, $after: String) { commentAdded(conversationId: $id, after: $after) { id } }`, {
      id: conversationId,
      after: 'garbage',
    });
    await subscription.ended;
    expect(subscription.results[0]!.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    await client.dispose();
  });
});

describe('over HTTP', () => {
  it('refuses a subscription with BAD_USER_INPUT that points to websockets', async () => {
    const response = await server.gql(COMMENT_ADDED, { id: conversationId }, owner.token);
    expect(response.data ?? null).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/websockets/);
  });
});

describe('shutdown', () => {
  it('closes open websockets with 1001 when the server stops', async () => {
    const own = await startServer();
    const ownOwner = await buildOrganization(own);
    const client = await connect(own, ownOwner.token);
    await own.stop();
    expect(await client.closed).toBe(1001);
  });
});
