import { buildOrganization, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';
import { connect, type TestClient } from '../support/websocket';
import { commentsOf, conversationOf, guestIn, postComment, untilLive } from './helpers';

const WITH_CURSOR = `subscription ($id: ID!, $after: String) {
  commentAdded(conversationId: $id, after: $after) { id body cursor }
}`;

describe('resuming commentAdded from the last comment seen', () => {
  let server: TestServer;
  let owner: Session;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    server = await startServer();
    owner = await buildOrganization(server);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(() => server?.stop());

  const open = async (token: string) => {
    const client = await connect(server, token);
    clients.push(client);
    return client;
  };

  it("gives each live comment its edge's cursor", async () => {
    const conversation = await conversationOf(server, owner);
    const guest = await guestIn(server, owner, conversation);
    const subscription = (await open(guest.token)).subscribe(WITH_CURSOR, { id: conversation.id });
    await untilLive(server, conversation);
    await postComment(server, owner.token, conversation, 'one');
    await postComment(server, owner.token, conversation, 'two');
    const live = (await subscription.take(2)).map((result) => result.data!.commentAdded);
    const edges = await commentsOf(server, guest.token, conversation);
    expect(live.map((comment) => ({ id: comment.id, cursor: comment.cursor }))).toEqual(edges);
  });

  it('sends what was missed while the socket was down, then live comments, with no duplicate and no gap', async () => {
    const conversation = await conversationOf(server, owner);
    const guest = await guestIn(server, owner, conversation);
    const seen: Array<{ id: string; body: string; cursor: string }> = [];

    const before = await open(guest.token);
    const first = before.subscribe(WITH_CURSOR, { id: conversation.id });
    await untilLive(server, conversation);
    for (const body of ['1', '2', '3']) await postComment(server, owner.token, conversation, body);
    seen.push(...(await first.take(3)).map((result) => result.data!.commentAdded));
    await before.dispose();

    for (const body of ['4', '5']) await postComment(server, owner.token, conversation, body);

    const after = (await open(guest.token)).subscribe(WITH_CURSOR, { id: conversation.id, after: seen.at(-1)!.cursor });
    const caughtUp = await after.take(2);
    await untilLive(server, conversation);
    await postComment(server, owner.token, conversation, '6');
    const all = await after.take(3);
    expect(all).toHaveLength(3);
    expect(caughtUp.every((result) => result.errors === undefined)).toBe(true);
    seen.push(...all.map((result) => result.data!.commentAdded));

    expect(seen.map((comment) => comment.body)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(new Set(seen.map((comment) => comment.id)).size).toBe(6);
  });

  it("refuses another conversation's comment cursor as after with BAD_USER_INPUT", async () => {
    const conversation = await conversationOf(server, owner);
    const other = await conversationOf(server, owner, 'Another one');
    await postComment(server, owner.token, other, 'elsewhere');
    const [foreign] = await commentsOf(server, owner.token, other);
    const subscription = (await open(owner.token)).subscribe(WITH_CURSOR, { id: conversation.id, after: foreign!.cursor });
    const [result] = await subscription.take(1);
    expect(result!.data ?? null).toBeNull();
    expect(codes(result as any)).toEqual(['BAD_USER_INPUT']);
  });
});
