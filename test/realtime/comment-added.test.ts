import { Redis } from 'ioredis';
import { buildMember, buildOrganization, type Session } from '../support/factories';
import { codes, describeOnInstances, startServer, testRedisUrl, type TestServer } from '../support/server';
import { connect, within, type TestClient } from '../support/websocket';
import { COMMENT_ADDED, commentsOf, conversationOf, eventually, guestIn, postComment, untilLive, type TestConversation } from './helpers';


describeOnInstances('commentAdded across instances', () => {
  let first: TestServer;
  let second: TestServer;
  let redis: Redis;
  let owner: Session;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    first = await startServer();
    second = await startServer(first.env);
    redis = new Redis(testRedisUrl());
    owner = await buildOrganization(first, { name: 'Olivia Owner' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(async () => {
    redis?.disconnect();
    await second?.stop();
    await first?.stop();
  });

  const open = async (server: TestServer, token: string) => {
    const client = await connect(server, token);
    clients.push(client);
    return client;
  };

  let conversation: TestConversation;
  beforeEach(async () => {
    conversation = await conversationOf(first, owner);
  });

  it('delivers a comment posted on one instance to a guest subscribed on the other, without members-only fields', async () => {
    const guest = await guestIn(first, owner, conversation);
    const guestSubscription = (await open(first, guest.token)).subscribe(COMMENT_ADDED, { id: conversation.id });
    const ownerSubscription = (await open(first, owner.token)).subscribe(COMMENT_ADDED, { id: conversation.id });
    await untilLive(first, conversation, 2);

    const commentId = await postComment(second, owner.token, conversation, 'The quote is attached.');

    const [forGuest] = await guestSubscription.take(1);
    expect(forGuest!.data!.commentAdded).toEqual({
      id: commentId,
      body: 'The quote is attached.',
      author: { name: 'Olivia Owner', isGuest: false },
      conversation: { subject: 'Quote for the new office', assignees: null },
    });
    expect(codes(forGuest as any)).toEqual(['FORBIDDEN']);
    expect(forGuest!.errors![0]!.path).toEqual(['commentAdded', 'conversation', 'assignees']);

    const [forOwner] = await ownerSubscription.take(1);
    expect(forOwner!.errors).toBeUndefined();
    expect(forOwner!.data!.commentAdded).toMatchObject({ id: commentId, conversation: { assignees: [] } });
  });

  it("delivers a guest's comment posted on one instance to a member subscribed on the other", async () => {
    const guest = await guestIn(first, owner, conversation, 'Gail Guest');
    const member = await buildMember(first, { inviter: owner, name: 'Max Member' });
    const subscription = (await open(second, member.token)).subscribe(COMMENT_ADDED, { id: conversation.id });
    await untilLive(second, conversation);

    const commentId = await postComment(first, guest.token, conversation, 'Here is our counter-offer.');

    const [result] = await subscription.take(1);
    expect(result!.errors).toBeUndefined();
    expect(result!.data!.commentAdded).toMatchObject({ id: commentId, author: { name: 'Gail Guest', isGuest: true } });
  });

  it('ends a removed guest\'s subscription with FORBIDDEN within a second and sends them nothing more', async () => {
    const guest = await guestIn(first, owner, conversation);
    const guestSubscription = (await open(first, guest.token)).subscribe(COMMENT_ADDED, { id: conversation.id });
    const ownerSubscription = (await open(first, owner.token)).subscribe(COMMENT_ADDED, { id: conversation.id });
    await untilLive(first, conversation, 2);
    await postComment(second, owner.token, conversation, 'Before the removal.');
    await guestSubscription.take(1);

    const removed = await second.gql(
      `mutation ($input: GuestConversationInput!) { removeGuestFromConversation(input: $input) { id } }`,
      { input: { guestId: guest.id, conversationId: conversation.id } },
      owner.token,
    );
    expect(removed.errors).toBeUndefined();

    expect(await within(guestSubscription.ended, 1000, 'the end of the subscription')).toEqual({ kind: 'complete' });
    expect(guestSubscription.results).toHaveLength(2);
    expect(guestSubscription.results[1]!.data ?? null).toBeNull();
    expect(codes(guestSubscription.results[1] as any)).toEqual(['FORBIDDEN']);

    await postComment(second, owner.token, conversation, 'After the removal.');
    await ownerSubscription.take(2);
    expect(guestSubscription.results).toHaveLength(2);
  });

  it("closes a revoked guest's socket with 4403 within a second", async () => {
    const guest = await guestIn(first, owner, conversation);
    const client = await open(first, guest.token);
    client.subscribe(COMMENT_ADDED, { id: conversation.id });
    await untilLive(first, conversation);

    const revoked = await second.gql(`mutation ($input: RevokeGuestInput!) { revokeGuest(input: $input) { id } }`, { input: { guestId: guest.id } }, owner.token);
    expect(revoked.errors).toBeUndefined();

    expect(await within(client.closed, 1000, 'the socket to close')).toBe(4403);
  });

  it('ends guest subscriptions when the conversation stops allowing guests, and keeps members subscribed', async () => {
    const guest = await guestIn(first, owner, conversation);
    const guestSubscription = (await open(first, guest.token)).subscribe(COMMENT_ADDED, { id: conversation.id });
    const ownerSubscription = (await open(first, owner.token)).subscribe(COMMENT_ADDED, { id: conversation.id });
    await untilLive(first, conversation, 2);

    const updated = await second.gql(
      `mutation ($input: UpdateConversationInput!) { updateConversation(input: $input) { allowGuests } }`,
      { input: { id: conversation.id, allowGuests: false } },
      owner.token,
    );
    expect(updated.errors).toBeUndefined();

    await within(guestSubscription.ended, 1000, 'the end of the guest subscription');
    expect(codes(guestSubscription.results.at(-1) as any)).toEqual(['FORBIDDEN']);
    const commentId = await postComment(second, owner.token, conversation, 'Members only from now on.');
    expect((await ownerSubscription.take(1))[0]!.data!.commentAdded.id).toBe(commentId);
  });

  it("closes every guest's socket with 4403 when the organization turns guests off", async () => {
    const organization = await buildOrganization(first);
    const own = await conversationOf(first, organization);
    const guest = await guestIn(first, organization, own);
    const member = await open(first, organization.token);
    const client = await open(first, guest.token);
    client.subscribe(COMMENT_ADDED, { id: own.id });
    const memberSubscription = member.subscribe(COMMENT_ADDED, { id: own.id });
    await untilLive(first, own, 2);

    const disabled = await second.gql(
      `mutation { updateGuestSettings(input: { enabled: false }) { enabled } }`,
      {},
      organization.token,
    );
    expect(disabled.errors).toBeUndefined();

    expect(await within(client.closed, 1000, 'the guest socket to close')).toBe(4403);
    await postComment(second, organization.token, own, 'Still here.');
    await memberSubscription.take(1);
  });

  it("closes the socket of a session that logs out with 4403", async () => {
    const member = await buildMember(first, { inviter: owner });
    const client = await open(first, member.token);
    client.subscribe(COMMENT_ADDED, { id: conversation.id });
    await untilLive(first, conversation);

    const loggedOut = await second.gql(`mutation { logOut }`, {}, member.token);
    expect(loggedOut.errors).toBeUndefined();

    expect(await within(client.closed, 1000, 'the socket to close')).toBe(4403);
  });

  it('re-checks access with every event, even when no control message told it access changed', async () => {
    const guest = await guestIn(first, owner, conversation);
    const subscription = (await open(first, guest.token)).subscribe(COMMENT_ADDED, { id: conversation.id });
    await untilLive(first, conversation);
    // As if the control message were lost: the access row goes, nobody is told.
    await first.app.database.dataSource.query(`DELETE FROM guest_access WHERE conversation_id = $1`, [conversation.uuid]);

    await postComment(second, owner.token, conversation, 'Not for the guest.');

    expect(await within(subscription.ended, 1000, 'the end of the subscription')).toEqual({ kind: 'complete' });
    expect(subscription.results).toHaveLength(1);
    expect(codes(subscription.results[0] as any)).toEqual(['FORBIDDEN']);
  });

  it('resolves an event for many subscribers without a statement per subscriber', async () => {
    const guests = await Promise.all(Array.from({ length: 3 }, (_, n) => guestIn(first, owner, conversation, `Guest ${n}`)));
    const tokens = [owner.token, ...guests.map((guest) => guest.token), ...Array.from({ length: 8 }, () => owner.token)];
    const selection = `subscription ($id: ID!) {
      commentAdded(conversationId: $id) {
        id body createdAt
        author { id name isGuest ... on User { email } }
        mentions { id name }
        attachments { id filename }
        conversation { id subject }
      }
    }`;
    const subscriptions = await Promise.all(tokens.map(async (token) => (await open(first, token)).subscribe(selection, { id: conversation.id })));
    await untilLive(first, conversation, tokens.length);

    const statements = first.app.database.statements;
    const before = statements.count;
    await postComment(second, owner.token, conversation, 'To everyone at once.');
    const results = await Promise.all(subscriptions.map(async (subscription) => (await subscription.take(1))[0]!));

    expect(results.every((result) => result.data!.commentAdded.body === 'To everyone at once.')).toBe(true);
    // Members see the author's email; guests get FORBIDDEN there, each by their own viewer.
    expect(results.map((result) => (result.errors ?? []).length)).toEqual([0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    // The comment, the subscribers' sessions and the conversation, read once for all twelve
    // (plus at most the periodic re-check's two, should it fall in this window).
    expect(statements.count - before).toBeLessThanOrEqual(5);
  });

  it('executes an event once for all members with the same operation, and once per guest', async () => {
    const guest = await guestIn(first, owner, conversation, 'Solo Guest');
    // conversation.comments is not preloaded with the event: each execution of this selection costs a statement.
    const selection = `subscription ($id: ID!) {
      commentAdded(conversationId: $id) { body author { name ... on User { email } } conversation { comments(first: 1) { totalCount } } }
    }`;
    const members = await Promise.all(Array.from({ length: 9 }, async () => (await open(first, owner.token)).subscribe(selection, { id: conversation.id })));
    const guestSubscription = (await open(first, guest.token)).subscribe(selection, { id: conversation.id });
    await untilLive(first, conversation, 10);

    const statements = first.app.database.statements;
    const before = statements.count;
    await postComment(second, owner.token, conversation, 'Shared once.');
    const memberResults = await Promise.all(members.map(async (subscription) => (await subscription.take(1))[0]!));
    const [guestResult] = await guestSubscription.take(1);

    for (const result of memberResults) {
      expect(result.errors).toBeUndefined();
      expect(result.data!.commentAdded).toMatchObject({ body: 'Shared once.', author: { name: owner.actor.name, email: owner.email } });
    }
    expect(guestResult!.data!.commentAdded.author).toEqual({ name: owner.actor.name, email: null });
    expect(codes(guestResult as any)).toEqual(['FORBIDDEN']);
    // The feed's reads (comment, sessions, conversation), one execution for the nine members and one
    // for the guest (plus at most the periodic re-check's two); executing per subscriber would cost ten.
    expect(statements.count - before).toBeLessThanOrEqual(7);
  });

  it('sends the comments after the cursor, then the live ones, each exactly once and in order', async () => {
    const guest = await guestIn(first, owner, conversation);
    for (const body of ['one', 'two', 'three']) await postComment(second, owner.token, conversation, body);
    const [seen, ...missed] = await commentsOf(first, owner.token, conversation);

    const subscription = (await open(first, guest.token)).subscribe(COMMENT_ADDED, { id: conversation.id, after: seen!.cursor });
    const caughtUp = await subscription.take(2);
    expect(caughtUp.map((result) => result.data!.commentAdded.id)).toEqual(missed.map((comment) => comment.id));

    const four = await postComment(second, owner.token, conversation, 'four');
    const five = await postComment(first, owner.token, conversation, 'five');
    const all = await subscription.take(4);
    expect(all.map((result) => result.data!.commentAdded.body)).toEqual(['two', 'three', 'four', 'five']);
    expect(all.slice(2).map((result) => result.data!.commentAdded.id)).toEqual([four, five]);
  });

  it('leaves no gap and no duplicate when comments keep arriving while a subscriber catches up', async () => {
    await postComment(second, owner.token, conversation, 'seen');
    const [seen] = await commentsOf(first, owner.token, conversation);
    for (let n = 1; n <= 5; n += 1) await postComment(second, owner.token, conversation, `missed ${n}`);

    const posting = (async () => {
      for (let n = 1; n <= 15; n += 1) await postComment(n % 2 ? second : first, owner.token, conversation, `during ${n}`);
    })();
    const subscription = (await open(first, owner.token)).subscribe(COMMENT_ADDED, { id: conversation.id, after: seen!.cursor });
    await posting;
    await postComment(second, owner.token, conversation, 'last');

    const expected = (await commentsOf(first, owner.token, conversation)).slice(1).map((comment) => comment.id);
    expect(expected).toHaveLength(21);
    const received = await subscription.take(21);
    expect(received.map((result) => result.data!.commentAdded.id)).toEqual(expected);
    // Nothing more is on its way: one more comment arrives as the 22nd, not a late duplicate.
    const extra = await postComment(second, owner.token, conversation, 'extra');
    expect((await subscription.take(22))[21]!.data!.commentAdded.id).toBe(extra);
  });

  it('uses one Redis channel subscription for ten subscribers of one conversation on one instance', async () => {
    const channel = `${first.env.REDIS_PREFIX}comment-added:${conversation.uuid}`;
    const subscribers = await Promise.all(Array.from({ length: 10 }, () => open(first, owner.token)));
    const subscriptions = subscribers.map((client) => client.subscribe(COMMENT_ADDED, { id: conversation.id }));
    await untilLive(first, conversation, 10);

    expect(await redis.pubsub('NUMSUB', channel)).toEqual([channel, 1]);
    const channels = (await redis.pubsub('CHANNELS', `${first.env.REDIS_PREFIX}*`)) as string[];
    expect(channels.filter((name) => name.includes(conversation.uuid))).toEqual([channel]);

    const commentId = await postComment(second, owner.token, conversation, 'To all ten.');
    for (const subscription of subscriptions) expect((await subscription.take(1))[0]!.data!.commentAdded.id).toBe(commentId);

    subscriptions.forEach((subscription) => subscription.stop());
    await eventually(async () => ((await redis.pubsub('NUMSUB', channel)) as [string, number])[1] === 0, 'the channel to be released');
  });
});
