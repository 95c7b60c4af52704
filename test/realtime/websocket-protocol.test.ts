/**
 * The graphql-transport-ws protocol as src/realtime/websocket-protocol.ts
 * serves it (graphql-ws's messages and close codes, with subscriptions pushed
 * to rather than pulled from): what a raw client sees, message by message.
 */
import { MessageType, stringifyMessage } from 'graphql-ws';
import { NextFrames } from '../../src/realtime/websocket-protocol';
import { buildOrganization, type Session } from '../support/factories';
import { startServer, type TestServer } from '../support/server';
import { acknowledgedSocket, RawSocket } from '../support/websocket';
import { COMMENT_ADDED, conversationOf, eventually, postComment, untilLive, type TestConversation } from './helpers';

let server: TestServer;
let owner: Session;
let conversation: TestConversation;

beforeAll(async () => {
  server = await startServer();
  owner = await buildOrganization(server);
  conversation = await conversationOf(server, owner);
});
afterAll(() => server?.stop());

/** A raw socket that has sent connection_init with the owner's token and got its ack. */
const ownerSocket = () => acknowledgedSocket(server, owner.token);

describe('the websocket protocol', () => {
  it('answers a ping with a pong carrying its payload', async () => {
    const raw = await ownerSocket();
    raw.send({ type: 'ping', payload: { n: 1 } });
    expect(await raw.message((message) => message.type === 'pong', 'pong')).toEqual({ type: 'pong', payload: { n: 1 } });
    raw.close();
  });

  it('closes with 4401 for a subscribe before connection_ack', async () => {
    const raw = new RawSocket(server.wsUrl);
    await raw.opened;
    raw.send({ id: '1', type: 'subscribe', payload: { query: '{ viewer { id } }' } });
    expect((await raw.closed).code).toBe(4401);
  });

  it('closes with 4400 for a message that is not one of the protocol', async () => {
    const raw = await ownerSocket();
    raw.send({ type: 'shout', payload: 'hello' });
    expect((await raw.closed).code).toBe(4400);
  });

  it('closes with 4429 for a second connection_init', async () => {
    const raw = await ownerSocket();
    raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${owner.token}` } });
    expect((await raw.closed).code).toBe(4429);
  });

  it('closes with 4409 for a subscribe whose id is already open', async () => {
    const raw = await ownerSocket();
    raw.send({ id: 'same', type: 'subscribe', payload: { query: COMMENT_ADDED, variables: { id: conversation.id } } });
    await untilLive(server, conversation);
    raw.send({ id: 'same', type: 'subscribe', payload: { query: COMMENT_ADDED, variables: { id: conversation.id } } });
    expect((await raw.closed).code).toBe(4409);
  });

  it('runs a query as next then complete', async () => {
    const raw = await ownerSocket();
    raw.send({ id: 'q', type: 'subscribe', payload: { query: '{ viewer { __typename } }' } });
    await raw.message((message) => message.id === 'q' && message.type === 'complete', 'complete');
    const [next, complete, ...more] = raw.messages.filter((message) => message.id === 'q');
    expect(next).toMatchObject({ type: 'next', payload: { data: { viewer: { __typename: expect.any(String) } } } });
    expect(next.payload.errors).toBeUndefined();
    expect(complete).toEqual({ id: 'q', type: 'complete' });
    expect(more).toEqual([]);
    raw.close();
  });

  it('pushes each comment to an open subscription, and nothing more once the client completed it', async () => {
    const raw = await ownerSocket();
    raw.send({ id: 's', type: 'subscribe', payload: { query: COMMENT_ADDED, variables: { id: conversation.id } } });
    await untilLive(server, conversation);
    const first = await postComment(server, owner.token, conversation, 'Pushed, not pulled');
    const next = await raw.message((message) => message.id === 's' && message.type === 'next', 'the comment');
    expect(next.payload.data.commentAdded).toMatchObject({ id: first, body: 'Pushed, not pulled' });
    expect(next.payload.errors).toBeUndefined();

    raw.send({ id: 's', type: 'complete' });
    await eventually(async () => server.app.services.realtime.liveSubscriptions(conversation.uuid) === 0, 'the subscription to end');
    await postComment(server, owner.token, conversation, 'Nobody hears this one');
    // The same socket still serves: a query after the post answers only once the comment is committed and published.
    raw.send({ id: 'after', type: 'subscribe', payload: { query: '{ viewer { __typename } }' } });
    await raw.message((message) => message.id === 'after' && message.type === 'complete', 'the query after');
    expect(raw.messages.filter((message) => message.id === 's')).toHaveLength(1);
    raw.close();
  });

  it('writes a shared result\'s next frames as graphql-ws would, for each subscriber\'s id', () => {
    const frames = new NextFrames();
    const payload = { data: { commentAdded: { id: 'Q29tbWVudDox', body: 'Quotes "and" \\ slashes', author: null } } };
    for (const id of ['1', 'two', 'q"uote']) expect(frames.frame(id, payload)).toBe(stringifyMessage({ id, type: MessageType.Next, payload }));
  });
});
