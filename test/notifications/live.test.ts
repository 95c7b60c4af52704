import { Redis } from 'ioredis';
import { conversationId, guestId, ok } from '../support/api';
import { buildConversation, buildGuest, buildMember, buildOrganization, type Session } from '../support/factories';
import { codes, describeOnInstances, startServer, testRedisUrl, type TestServer } from '../support/server';
import { connect, PROMPTLY_MS, within, type TestClient } from '../support/websocket';
import { mention, NOTIFICATION_ADDED, notificationsOf } from './helpers';


describeOnInstances('notificationAdded across instances', () => {
  let first: TestServer;
  let second: TestServer;
  let owner: Session;
  let member: Session;
  let admin: Session;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    first = await startServer();
    second = await startServer(first.env);
    owner = await buildOrganization(first, { name: 'Olivia Owner' });
    member = await buildMember(first, { inviter: owner, name: 'Max Member' });
    admin = await buildMember(first, { inviter: owner, role: 'ADMIN', name: 'Ada Admin' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  const open = async (server: TestServer, token: string) => {
    const client = await connect(server, token);
    clients.push(client);
    return client;
  };

  /** Waits until `server` serves `count` live notification subscriptions of `session`: what comes after is theirs to get. */
  const untilLive = async (server: TestServer, session: Session, count = 1) => {
    const live = async () => {
      while (server.app.services.realtime.liveNotificationSubscriptions(session.viewer.organizationId, session.actor.id) < count) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await within(live(), PROMPTLY_MS, `${count} live notification subscriptions`);
  };

  const bodies = (results: { data?: any }[]) => results.map((result) => result.data!.notificationAdded.comment?.body ?? result.data!.notificationAdded.reason);

  it('pushes a notification committed on one instance to each of its recipient\'s subscriptions on both, once, and to nobody else', async () => {
    const thread = await buildConversation(first, { creator: owner, subject: 'Lease renewal' });
    const onSecond = (await open(second, member.token)).subscribe(NOTIFICATION_ADDED);
    const onFirst = (await open(first, member.token)).subscribe(NOTIFICATION_ADDED);
    const forAdmin = (await open(second, admin.token)).subscribe(NOTIFICATION_ADDED);
    await untilLive(second, member);
    await untilLive(first, member);
    await untilLive(second, admin);

    const commentId = await mention(first, owner, thread.id, [member.actor], 'Please check clause 4.');
    for (const subscription of [onSecond, onFirst]) {
      const [event] = await subscription.take(1);
      expect(event!.errors).toBeUndefined();
      expect(event!.data!.notificationAdded).toMatchObject({
        reason: 'MENTIONED',
        readAt: null,
        actor: { __typename: 'User', name: 'Olivia Owner' },
        conversation: { id: conversationId(thread.id), subject: 'Lease renewal' },
        comment: { id: commentId, body: 'Please check clause 4.', author: { name: 'Olivia Owner' } },
        task: null,
      });
      // The same notification as the list shows, with the same ID.
      expect(event!.data!.notificationAdded.id).toBe((await notificationsOf(first, member)).edges[0]!.node.id);
    }
    // The admin's first event is their own, later notification: the member's never reached them.
    await mention(second, owner, thread.id, [admin.actor], 'For the admin.');
    expect(bodies(await forAdmin.take(1))).toEqual(['For the admin.']);
    await mention(second, owner, thread.id, [member.actor], 'Again.');
    expect(bodies(await onSecond.take(2))).toEqual(['Please check clause 4.', 'Again.']);
    expect(bodies(await onFirst.take(2))).toEqual(['Please check clause 4.', 'Again.']);
    expect(forAdmin.results).toHaveLength(1);
  });

  it('catches up from a cursor with what came after it, then goes on live, each once and in order', async () => {
    const thread = await buildConversation(first, { creator: owner });
    for (const body of ['one', 'two', 'three']) await mention(first, owner, thread.id, [admin.actor], body);
    const listed = await notificationsOf(first, admin);
    const cursorOfOne = listed.edges.find((edge) => edge.node.comment?.body === 'one')!.cursor;

    const subscription = (await open(second, admin.token)).subscribe(NOTIFICATION_ADDED, { after: cursorOfOne });
    // Posted while the subscription may still be catching up: it comes once, after the others.
    await mention(first, owner, thread.id, [admin.actor], 'four');
    await untilLive(second, admin);
    await mention(second, owner, thread.id, [admin.actor], 'five');
    const results = await subscription.take(4);
    expect(bodies(results)).toEqual(['two', 'three', 'four', 'five']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(subscription.results).toHaveLength(4);

    const refused = (await open(second, admin.token)).subscribe(NOTIFICATION_ADDED, { after: 'garbage' });
    await refused.ended;
    expect(codes(refused.results[0] as any)).toEqual(['BAD_USER_INPUT']);
  });

  it('gives a guest nothing about a conversation they lost: neither in the catch-up nor live', async () => {
    const lost = await buildConversation(first, { creator: owner, subject: 'Lost' });
    const kept = await buildConversation(first, { creator: owner, subject: 'Kept' });
    const guest = await buildGuest(first, { inviter: owner, conversationIds: [lost.id, kept.id], name: 'Gina Guest' });
    await mention(first, member, kept.id, [guest.actor], 'before');
    const cursor = (await notificationsOf(first, guest)).edges[0]!.cursor;
    await mention(first, member, lost.id, [guest.actor], 'about the lost one');
    await mention(first, member, kept.id, [guest.actor], 'about the kept one');
    ok(await first.gql(`mutation ($input: GuestConversationInput!) { removeGuestFromConversation(input: $input) { id } }`, { input: { guestId: guestId(guest.actor), conversationId: conversationId(lost.id) } }, owner.token));

    const subscription = (await open(second, guest.token)).subscribe(NOTIFICATION_ADDED, { after: cursor });
    await untilLive(second, guest);
    // Live: a notification about the lost conversation (written as a cause would, in a transaction) is not pushed either.
    const { services, database } = first.app;
    const notified = await database.dataSource.transaction((manager) =>
      services.notifications.create(manager, owner.viewer.organizationId, [
        { recipientId: guest.actor.id, reason: 'ADDED_TO_CONVERSATION', actorId: owner.actor.id, conversationId: lost.id },
      ]),
    );
    await services.notifications.announce(notified);
    await mention(first, member, kept.id, [guest.actor], 'live about the kept one');
    const results = await subscription.take(2);
    expect(bodies(results)).toEqual(['about the kept one', 'live about the kept one']);
    expect(results.map((result) => result.data!.notificationAdded.conversation.subject)).toEqual(['Kept', 'Kept']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(subscription.results).toHaveLength(2);
  });

  it('closes the socket with 4403 when the subscriber\'s session ends, on whichever instance', async () => {
    const session = await buildMember(first, { inviter: owner });
    const client = await open(second, session.token);
    client.subscribe(NOTIFICATION_ADDED);
    await untilLive(second, session);
    ok(await first.gql(`mutation { logOut }`, {}, session.token));
    expect(await within(client.closed, PROMPTLY_MS, 'the socket to close')).toBe(4403);
  });

  it('uses one Redis channel per organization with subscribers on an instance, however many subscribe', async () => {
    const others = await Promise.all([1, 2, 3].map(() => buildMember(first, { inviter: owner })));
    for (const session of [member, admin, ...others]) (await open(second, session.token)).subscribe(NOTIFICATION_ADDED);
    for (const session of [member, admin, ...others]) await untilLive(second, session);
    const probe = new Redis(testRedisUrl());
    try {
      const channel = `${first.env.REDIS_PREFIX}notification-added:${owner.viewer.organizationId}`;
      expect(await probe.pubsub('CHANNELS', `${first.env.REDIS_PREFIX}notification-added:*`)).toEqual([channel]);
      const [, subscribers] = (await probe.pubsub('NUMSUB', channel)) as [string, number];
      expect(subscribers).toBe(1);
    } finally {
      probe.disconnect();
    }
  });
});
