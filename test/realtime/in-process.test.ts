import { buildOrganization, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';
import { connect, type TestClient } from '../support/websocket';
import { COMMENT_ADDED, commentsOf, conversationOf, guestIn, postComment, untilLive } from './helpers';

// Without REDIS_URL a single instance serves subscriptions through in-process pub/sub.
describe('commentAdded without Redis', () => {
  let server: TestServer;
  let owner: Session;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startServer({ REDIS_URL: '' });
    owner = await buildOrganization(server, { name: 'Olivia Owner' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await server?.stop();
  });

  it('runs on in-process pub/sub', () => {
    expect(server.app.config.redisUrl).toBeNull();
    expect(server.app.services.realtime.transportKind).toBe('in-process');
  });

  it('delivers comments to a guest and a member, each with their own permissions', async () => {
    const conversation = await conversationOf(server, owner);
    const guest = await guestIn(server, owner, conversation);
    const guestClient = await connect(server, guest.token);
    const ownerClient = await connect(server, owner.token);
    clients.push(guestClient, ownerClient);
    const forGuest = guestClient.subscribe(COMMENT_ADDED, { id: conversation.id });
    const forOwner = ownerClient.subscribe(COMMENT_ADDED, { id: conversation.id });
    await untilLive(server, conversation, 2);

    const fromOwner = await postComment(server, owner.token, conversation, 'From the owner.');
    const fromGuest = await postComment(server, guest.token, conversation, 'From the guest.');

    const guestResults = await forGuest.take(2);
    expect(guestResults.map((result) => result.data!.commentAdded.id)).toEqual([fromOwner, fromGuest]);
    expect(guestResults.map((result) => result.data!.commentAdded.conversation.assignees)).toEqual([null, null]);
    expect(guestResults.map((result) => codes(result as any))).toEqual([['FORBIDDEN'], ['FORBIDDEN']]);

    const ownerResults = await forOwner.take(2);
    expect(ownerResults.map((result) => result.data!.commentAdded.id)).toEqual([fromOwner, fromGuest]);
    expect(ownerResults.every((result) => result.errors === undefined)).toBe(true);
  });

  it('catches a subscriber up from a cursor', async () => {
    const conversation = await conversationOf(server, owner);
    for (const body of ['one', 'two', 'three']) await postComment(server, owner.token, conversation, body);
    const [, seen] = await commentsOf(server, owner.token, conversation);

    const client = await connect(server, owner.token);
    clients.push(client);
    const subscription = client.subscribe(COMMENT_ADDED, { id: conversation.id, after: seen!.cursor });
    expect((await subscription.take(1)).map((result) => result.data!.commentAdded.body)).toEqual(['three']);
    await postComment(server, owner.token, conversation, 'four');
    expect((await subscription.take(2)).map((result) => result.data!.commentAdded.body)).toEqual(['three', 'four']);
  });
});
