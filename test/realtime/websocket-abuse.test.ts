import WebSocket from 'ws';
import { createLogger } from '../../src/logger';
import { buildMember, buildOrganization, type Session } from '../support/factories';
import { startServer, type TestServer } from '../support/server';
import { connect, RawSocket, within, PROMPTLY_MS, type TestClient } from '../support/websocket';
import { LogCapture } from '../security/helpers';
import { conversationOf, guestIn, postComment, type TestConversation } from './helpers';
import { uploadFile } from '../support/api';

/** Resolves once the instance serves `count` live subscriptions of the conversation. */
async function live(server: TestServer, conversation: TestConversation, count: number): Promise<void> {
  const reached = async () => {
    while (server.app.services.realtime.liveSubscriptions(conversation.uuid) !== count) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await within(reached(), PROMPTLY_MS, `${count} live subscriptions`);
}

/** A raw socket from a client address (as the trusted loopback proxy reports it). */
function socketFrom(server: TestServer, address: string): RawSocket {
  return new RawSocket(server.wsUrl, new WebSocket(server.wsUrl, 'graphql-transport-ws', { headers: { 'x-forwarded-for': address } }));
}

async function acknowledged(raw: RawSocket, token: string): Promise<RawSocket> {
  await raw.opened;
  raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  await raw.message((message) => message.type === 'connection_ack', 'connection_ack');
  return raw;
}

describe('websocket connections', () => {
  let server: TestServer;
  let owner: Session;
  beforeAll(async () => {
    server = await startServer({ WS_MAX_CONNECTIONS_PER_SESSION: '3', WS_MAX_CONNECTIONS_PER_IP: '4' });
    owner = await buildOrganization(server);
  });
  afterAll(() => server?.stop());

  it('are limited per session: one more is closed with 4429, and a closed one frees its place', async () => {
    const clients: TestClient[] = [];
    for (let n = 0; n < 3; n += 1) clients.push(await connect(server, owner.token, { 'x-forwarded-for': `198.51.100.${n}` }));
    const extra = new RawSocket(server.wsUrl);
    await extra.opened;
    extra.send({ type: 'connection_init', payload: { authorization: `Bearer ${owner.token}` } });
    expect(await within(extra.closed, PROMPTLY_MS, 'the fourth socket to close')).toEqual({ code: 4429, reason: 'Too many connections for this session' });
    expect(extra.messages).toEqual([]);

    // Another session of the same person is not this one.
    const again = await server.gql(`mutation ($input: LogInInput!) { logIn(input: $input) { token } }`, { input: { email: owner.email, password: 'correct horse battery' } });
    const otherSession = await connect(server, again.data.logIn.token);
    await otherSession.dispose();

    await clients.pop()!.dispose();
    for (let attempt = 0; ; attempt += 1) {
      const replacement = await connect(server, owner.token).catch(() => null);
      if (replacement) {
        await replacement.dispose();
        break;
      }
      // The server may not have seen the close yet.
      if (attempt > 20) throw new Error('the freed place was never given back');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(clients.map((client) => client.dispose()));
  });

  it('are limited per client address, before authentication: one more is closed with 4429', async () => {
    const sockets = [];
    for (let n = 0; n < 4; n += 1) {
      const raw = socketFrom(server, '203.0.113.77');
      await raw.opened;
      sockets.push(raw);
    }
    const extra = socketFrom(server, '203.0.113.77');
    const { code, reason } = await within(extra.closed, PROMPTLY_MS, 'the fifth socket to close');
    expect(code).toBe(4429);
    expect(reason).toBe('Too many connections from your address');
    // Other addresses are unaffected.
    const other = await acknowledged(socketFrom(server, '203.0.113.78'), owner.token);
    other.close();
    sockets.forEach((raw) => raw.close());
  });
});

describe('subscriptions of one actor', () => {
  let server: TestServer;
  let owner: Session;
  let conversation: TestConversation;
  beforeAll(async () => {
    server = await startServer({ WS_MAX_SUBSCRIPTION_COST_PER_ACTOR: '100' });
    owner = await buildOrganization(server);
    conversation = await conversationOf(server, owner);
  });
  afterAll(() => server?.stop());

  it('share one execution per event when they execute the same selection, however the operations are written', async () => {
    const guest = await guestIn(server, owner, conversation);
    const client = await connect(server, guest.token);
    const selection = `id body conversation { messages(first: 5) { nodes { id } } }`;
    const first = client.subscribe(`subscription Watch0($id: ID!) { commentAdded(conversationId: $id) { ${selection} } }`, { id: conversation.id });
    await live(server, conversation, 1);
    // The feed's first reads (its baseline, the channel becoming active) are behind it after one comment.
    await postComment(server, owner.token, conversation, 'warming up');
    await first.take(1);

    const { statements } = server.app.database;
    let before = statements.count;
    await postComment(server, owner.token, conversation, 'one subscriber');
    await first.take(2);
    const alone = statements.count - before;

    const variants = [
      ...Array.from({ length: 6 }, (_, n) => client.subscribe(`subscription Watch${n + 1}($id: ID!) { commentAdded(conversationId: $id) { ${selection} } }`, { id: conversation.id })),
      client.subscribe(`subscription ByFragment($c: ID!) { commentAdded(conversationId: $c) { ...Fields } } fragment Fields on Comment { ${selection} }`, { c: conversation.id }),
      client.subscribe(`subscription Literal { commentAdded(conversationId: "${conversation.id}") { ${selection} } }`),
      client.subscribe(`subscription Skipped($id: ID!, $no: Boolean = true) { commentAdded(conversationId: $id) { ${selection} author @skip(if: $no) { name } } }`, { id: conversation.id }),
    ];
    await live(server, conversation, 10);
    before = statements.count;
    await postComment(server, owner.token, conversation, 'ten subscriptions');
    const results = await Promise.all([first.take(3), ...variants.map((subscription) => subscription.take(1))]);
    expect(statements.count - before).toBe(alone);
    for (const received of results) expect(received[received.length - 1]!.data.commentAdded.body).toBe('ten subscriptions');
    await client.dispose();
  });

  it('are held to a cost budget across connections; completing one frees its share', async () => {
    const member = await buildMember(server, { inviter: owner });
    // Costs 1 + 1 + 1 + 40 = 43: two fit in 100, a third does not.
    const heavy = `subscription ($id: ID!) { commentAdded(conversationId: $id) { id conversation { messages(first: 40) { nodes { id } } } } }`;
    const one = await acknowledged(new RawSocket(server.wsUrl), member.token);
    const two = await acknowledged(new RawSocket(server.wsUrl), member.token);
    one.send({ id: 'a', type: 'subscribe', payload: { query: heavy, variables: { id: conversation.id } } });
    one.send({ id: 'b', type: 'subscribe', payload: { query: heavy, variables: { id: conversation.id } } });
    await live(server, conversation, 2);
    two.send({ id: 'c', type: 'subscribe', payload: { query: heavy, variables: { id: conversation.id } } });
    const refused = await two.message((message) => message.id === 'c', 'the refusal');
    expect(refused.type).toBe('error');
    expect(refused.payload.map((error: any) => error.extensions.code)).toEqual(['RATE_LIMITED']);
    expect(refused.payload[0].message).toMatch(/^Your open subscriptions would cost 129 on this server, over the 100 allowed/);

    one.send({ id: 'a', type: 'complete' });
    await live(server, conversation, 1);
    two.send({ id: 'd', type: 'subscribe', payload: { query: heavy, variables: { id: conversation.id } } });
    await live(server, conversation, 2);
    expect(two.messages.filter((message) => message.id === 'd')).toEqual([]);

    // A closed connection gives back all it held.
    one.close();
    await live(server, conversation, 1);
    two.send({ id: 'e', type: 'subscribe', payload: { query: heavy, variables: { id: conversation.id } } });
    await live(server, conversation, 2);
    two.close();
    await live(server, conversation, 0);
  });
});

describe('per-subscriber fields in shared executions', () => {
  let server: TestServer;
  let owner: Session;
  let conversation: TestConversation;
  beforeAll(async () => {
    server = await startServer();
    owner = await buildOrganization(server);
    conversation = await conversationOf(server, owner);
  });
  afterAll(() => server?.stop());

  it("give each subscriber download links signed for their own session, which outlive another member's log-out, from one shared execution", async () => {
    const [second, third] = [await buildMember(server, { inviter: owner }), await buildMember(server, { inviter: owner })];
    // `messages` costs one statement per execution: the count below tells executions apart.
    const query = `subscription ($id: ID!) { commentAdded(conversationId: $id) { id attachments { url } conversation { messages(first: 1) { nodes { id } } } } }`;
    const upload = async (text: string): Promise<string> => (await uploadFile(server, owner.token, text, `${text}.txt`)).body.id;
    const post = async (attachmentIds: string[]) => {
      const posted = await server.gql(
        `mutation ($input: PostCommentInput!) { postComment(input: $input) { id } }`,
        { input: { conversationId: conversation.id, body: 'see attached', attachmentIds } },
        owner.token,
      );
      expect(posted.errors).toBeUndefined();
    };
    const { statements } = server.app.database;
    const clients = [await connect(server, second.token), await connect(server, third.token)];
    const secondEvents = clients[0]!.subscribe(query, { id: conversation.id });
    await live(server, conversation, 1);
    await post([]);
    await secondEvents.take(1);

    const alone = await upload('alone');
    let before = statements.count;
    await post([alone]);
    await secondEvents.take(2);
    const forOne = statements.count - before;

    const thirdEvents = clients[1]!.subscribe(query, { id: conversation.id });
    await live(server, conversation, 2);
    const contract = await upload('contract');
    before = statements.count;
    await post([contract]);
    const [secondReceived, thirdReceived] = await Promise.all([secondEvents.take(3), thirdEvents.take(1)]);
    expect(statements.count - before).toBe(forOne);

    const secondUrl = new URL(secondReceived[2]!.data.commentAdded.attachments[0].url);
    const thirdUrl = new URL(thirdReceived[0]!.data.commentAdded.attachments[0].url);
    expect(secondUrl.searchParams.get('session')).toBe(second.viewer.sessionId);
    expect(thirdUrl.searchParams.get('session')).toBe(third.viewer.sessionId);

    expect((await server.gql(`mutation { logOut }`, {}, second.token)).data).toEqual({ logOut: true });
    expect((await fetch(secondUrl)).status).toBe(404);
    const download = await fetch(thirdUrl);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('contract');
    await Promise.all(clients.map((client) => client.dispose()));
  });
});

describe('variables over websockets', () => {
  const logs = new LogCapture();
  let server: TestServer;
  let owner: Session;
  beforeAll(async () => {
    server = await startServer({}, { logger: createLogger({ logLevel: 'info' }, logs) });
    owner = await buildOrganization(server);
  });
  afterAll(() => server?.stop());

  it.each([
    ['a wrongly typed invitation token', `mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token } }`, { input: { token: 987654321, name: 'Val', password: 'secret-987654321' } }],
    ['a malformed date', `mutation ($input: CreateTaskInput!) { createTask(input: $input) { id } }`, { input: { conversationId: 'x', title: 'x', dueAt: 'secret-987654321' } }],
    ['a missing required variable', `subscription ($id: ID!) { commentAdded(conversationId: $id) { id } }`, {}],
  ])('answer %s with BAD_USER_INPUT, as over HTTP, and log no value', async (_label, query, variables) => {
    const raw = await acknowledged(new RawSocket(server.wsUrl), owner.token);
    raw.send({ id: 'v', type: 'subscribe', payload: { query, variables } });
    const answer = await raw.message((message) => message.id === 'v', 'the answer');
    expect(answer.type).toBe('error');
    expect(answer.payload.map((error: any) => error.extensions.code)).toEqual(['BAD_USER_INPUT']);
    raw.close();

    const overHttp = await server.gql(query, variables, owner.token);
    expect(overHttp.errors!.map((error) => error.extensions!.code)).toEqual(['BAD_USER_INPUT']);
    expect(logs.raw.join('')).not.toContain('987654321');
    expect(logs.lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
  });
});
