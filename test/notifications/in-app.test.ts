import { toGlobalId } from '../../src/ids';
import { actorGlobalId, conversationId, countRows, guestId, ok } from '../support/api';
import { buildConversation, buildGuest, buildInvitedGuest, buildMember, buildOrganization, invitationToken, PASSWORD, type Session } from '../support/factories';
import { codes, startServer, usingPostgres, type TestServer } from '../support/server';
import { MARK_READ, mention, NOTIFICATION_FIELDS, notificationsOf } from './helpers';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const CREATE_TASK = `mutation ($input: CreateTaskInput!) { createTask(input: $input) { id } }`;
const UPDATE_TASK = `mutation ($input: UpdateTaskInput!) { updateTask(input: $input) { id } }`;
const ADD_GUEST = `mutation ($input: GuestConversationInput!) { addGuestToConversation(input: $input) { id } }`;
const REMOVE_GUEST = `mutation ($input: GuestConversationInput!) { removeGuestFromConversation(input: $input) { id } }`;
const INVITE_GUEST = `mutation ($input: InviteGuestInput!) { inviteGuest(input: $input) { invitationUrl guest { id } } }`;
const NODE = `query ($id: ID!) { node(id: $id) { __typename ... on Notification { reason conversation { subject } } } }`;
const SETTINGS = `{ notificationSettings { email } }`;
const UPDATE_SETTINGS = `mutation ($input: UpdateNotificationSettingsInput!) { updateNotificationSettings(input: $input) { email } }`;

const reasons = async (session: Session) => (await notificationsOf(server, session)).edges.map((edge) => edge.node.reason);
const emailJobs = (notificationIds: string[]) =>
  countRows(server, 'pgboss.job', `name = 'notification-email' AND data->>'notificationId' = ANY($1)`, [notificationIds]);
const databaseId = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;

/** An organization: owner, a member, an admin, a thread with a guest in it (invited by the owner). */
async function scene() {
  const owner = await buildOrganization(server, { name: 'Olivia Owner' });
  const member = await buildMember(server, { inviter: owner, name: 'Max Member' });
  const admin = await buildMember(server, { inviter: owner, role: 'ADMIN', name: 'Ada Admin' });
  const thread = await buildConversation(server, { creator: owner, subject: 'Lease renewal' });
  const guest = await buildGuest(server, { inviter: owner, conversationIds: [thread.id], name: 'Gina Guest' });
  return { owner, member, admin, thread, guest };
}

describe('notifications in the app', () => {
  it('notifies each mentioned member and guest, never the author, with what the mention points to, newest first', async () => {
    const { owner, member, guest, thread } = await scene();
    const first = await mention(server, owner, thread.id, [member.actor, guest.actor, owner.actor], 'Please check <b>clause 4</b>');
    const second = await mention(server, owner, thread.id, [member.actor], 'And clause 5.');

    const forMember = await notificationsOf(server, member);
    expect(forMember).toMatchObject({ totalCount: 2, unreadCount: 2 });
    expect(forMember.edges.map((edge) => edge.node.comment.id)).toEqual([second, first]);
    expect(forMember.edges[1]!.node).toMatchObject({
      reason: 'MENTIONED',
      readAt: null,
      actor: { __typename: 'User', name: 'Olivia Owner' },
      conversation: { id: conversationId(thread.id), subject: 'Lease renewal' },
      comment: { id: first, body: 'Please check <b>clause 4</b>', author: { name: 'Olivia Owner' } },
      task: null,
    });
    expect((await notificationsOf(server, guest)).edges.map((edge) => [edge.node.reason, edge.node.comment.id])).toEqual([['MENTIONED', first]]);
    // The owner mentioned themself: no notification of their own doing (only the guest's GUEST_JOINED).
    expect(await reasons(owner)).toEqual(['GUEST_JOINED']);
  });

  it('queues each notification its email job in the same transaction, and a cause that rolls back leaves neither', async () => {
    const { owner, member, thread } = await scene();
    await mention(server, owner, thread.id, [member.actor]);
    const [notification] = (await notificationsOf(server, member)).edges;
    expect(await emailJobs([databaseId(notification!.node.id)])).toBe(1);

    const before = await countRows(server, 'notifications', 'recipient_id = $1', [member.actor.id]);
    const { dataSource } = server.app.database;
    await expect(
      dataSource.transaction(async (manager) => {
        const notified = await server.app.services.notifications.create(manager, owner.viewer.organizationId, [
          { recipientId: member.actor.id, reason: 'MENTIONED', actorId: owner.actor.id, conversationId: thread.id },
        ]);
        expect(notified.recipientIds).toEqual([member.actor.id]);
        throw new Error('the cause failed after its notifications were written');
      }),
    ).rejects.toThrow('the cause failed');
    expect(await countRows(server, 'notifications', 'recipient_id = $1', [member.actor.id])).toBe(before);
    expect(await countRows(server, 'pgboss.job', `name = 'notification-email'`)).toBe(await countRows(server, 'notifications'));
  });

  (usingPostgres() ? it : it.skip)('never deadlocks with a transaction that holds a named actor\'s row, as a guest accepting an invitation does', async () => {
    const { owner, member, guest, admin } = await scene();
    const { dataSource } = server.app.database;
    const { notifications } = server.app.services;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // The guest's row held FOR UPDATE, then a notification to the member named after the guest (acceptInvitation's GUEST_JOINED).
    const accepting = dataSource.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM actors WHERE id = $1 FOR UPDATE`, [guest.actor.id]);
      locked();
      await released;
      return notifications.create(manager, owner.viewer.organizationId, [{ recipientId: member.actor.id, reason: 'GUEST_JOINED', actorId: guest.actor.id }]);
    });
    await isLocked;
    // Meanwhile a comment mentions both of them: it must wait for the guest's row before it holds any recipient's lock.
    const mentioning = dataSource.transaction((manager) =>
      notifications.create(manager, owner.viewer.organizationId, [member.actor, guest.actor].map((actor) => ({ recipientId: actor.id, reason: 'MENTIONED' as const, actorId: admin.actor.id }))),
    );
    for (let waiting = 0; waiting === 0; ) {
      [{ waiting }] = await dataSource.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    }
    release();
    await expect(Promise.all([accepting, mentioning])).resolves.toEqual([
      { organizationId: owner.viewer.organizationId, recipientIds: [member.actor.id] },
      { organizationId: owner.viewer.organizationId, recipientIds: expect.arrayContaining([member.actor.id, guest.actor.id]) },
    ]);
  });

  it('notifies nobody when a comment is refused', async () => {
    const { owner, member, thread } = await scene();
    const stranger = await buildGuest(server, { inviter: owner, conversationIds: [] });
    const refused = await server.gql(
      `mutation ($input: PostCommentInput!) { postComment(input: $input) { id } }`,
      { input: { conversationId: conversationId(thread.id), body: 'Hi', mentionIds: [actorGlobalId(member.actor), guestId(stranger.actor)] } },
      owner.token,
    );
    expect(codes(refused)).toEqual(['MENTION_NOT_ALLOWED']);
    expect(await countRows(server, 'notifications', 'recipient_id = ANY($1)', [[member.actor.id, stranger.actor.id]])).toBe(0);
  });

  it('notifies a task\'s new assignee, unless they assigned themself', async () => {
    const { owner, member, admin, thread } = await scene();
    const created = ok(await server.gql(CREATE_TASK, { input: { conversationId: conversationId(thread.id), title: 'Sign the lease', assigneeId: actorGlobalId(member.actor) } }, owner.token));
    const [assigned] = (await notificationsOf(server, member)).edges;
    expect(assigned!.node).toMatchObject({
      reason: 'TASK_ASSIGNED',
      actor: { name: 'Olivia Owner' },
      conversation: { subject: 'Lease renewal' },
      comment: null,
      task: { id: created.createTask.id, title: 'Sign the lease', assignee: { name: 'Max Member' } },
    });

    ok(await server.gql(CREATE_TASK, { input: { conversationId: conversationId(thread.id), title: 'Mine', assigneeId: actorGlobalId(owner.actor) } }, owner.token));
    expect(await reasons(owner)).toEqual(['GUEST_JOINED']);

    const taskId = created.createTask.id;
    ok(await server.gql(UPDATE_TASK, { input: { id: taskId, assigneeId: actorGlobalId(admin.actor) } }, owner.token));
    expect(await reasons(admin)).toEqual(['TASK_ASSIGNED']);
    // The same assignee again, a title change, unassigning: nobody is newly assigned.
    ok(await server.gql(UPDATE_TASK, { input: { id: taskId, assigneeId: actorGlobalId(admin.actor), title: 'Sign it' } }, owner.token));
    ok(await server.gql(UPDATE_TASK, { input: { id: taskId, assigneeId: null } }, owner.token));
    expect(await reasons(admin)).toEqual(['TASK_ASSIGNED']);
    ok(await server.gql(UPDATE_TASK, { input: { id: taskId, assigneeId: actorGlobalId(admin.actor) } }, member.token));
    expect(await reasons(admin)).toEqual(['TASK_ASSIGNED', 'TASK_ASSIGNED']);
  });

  it('tells an active guest given one more conversation, and the inviter of a guest who joined; a guest still invited learns it from the invitation', async () => {
    const { owner, member, guest } = await scene();
    const second = await buildConversation(server, { creator: owner, subject: 'Parking spaces' });
    ok(await server.gql(ADD_GUEST, { input: { guestId: guestId(guest.actor), conversationId: conversationId(second.id) } }, member.token));
    const third = await buildConversation(server, { creator: owner, subject: 'Keys' });
    ok(await server.gql(INVITE_GUEST, { input: { conversationId: conversationId(third.id), email: guest.email } }, owner.token));
    const forGuest = await notificationsOf(server, guest);
    expect(forGuest.edges.map((edge) => [edge.node.reason, edge.node.actor.name, edge.node.conversation.subject])).toEqual([
      ['ADDED_TO_CONVERSATION', 'Olivia Owner', 'Keys'],
      ['ADDED_TO_CONVERSATION', 'Max Member', 'Parking spaces'],
    ]);

    // A new guest: no session yet, so no notification; their invitation is their notice. Adding them elsewhere before they join: the same.
    const invited = await buildInvitedGuest(server, { inviter: member, conversationId: second.id });
    ok(await server.gql(ADD_GUEST, { input: { guestId: guestId(invited.guest), conversationId: conversationId(third.id) } }, owner.token));
    expect(await countRows(server, 'notifications', 'recipient_id = $1', [invited.guest.id])).toBe(0);
    const accepted = await server.app.services.accounts.acceptInvitation({ token: invitationToken(invited.invitationUrl), name: 'Nina New', password: PASSWORD });
    expect(await countRows(server, 'notifications', 'recipient_id = $1', [accepted.viewer.id])).toBe(0);
    // Whose link it was hears of it.
    const [joined] = (await notificationsOf(server, member)).edges;
    expect(joined!.node).toMatchObject({ reason: 'GUEST_JOINED', actor: { __typename: 'Guest', name: 'Nina New' }, conversation: null, comment: null, task: null });
    expect(await reasons(owner)).toEqual(['GUEST_JOINED']);
  });

  it('shows a guest only the notifications of conversations they can still read, counts included, and again once access is back', async () => {
    const { owner, member, thread, guest } = await scene();
    const other = await buildConversation(server, { creator: owner, subject: 'Parking spaces' });
    ok(await server.gql(ADD_GUEST, { input: { guestId: guestId(guest.actor), conversationId: conversationId(other.id) } }, owner.token));
    await mention(server, member, thread.id, [guest.actor], 'About the lease');
    await mention(server, member, other.id, [guest.actor], 'About parking');
    const all = await notificationsOf(server, guest);
    expect(all).toMatchObject({ totalCount: 3, unreadCount: 3 });
    const aboutLease = all.edges.find((edge) => edge.node.comment?.body === 'About the lease')!.node.id;

    ok(await server.gql(REMOVE_GUEST, { input: { guestId: guestId(guest.actor), conversationId: conversationId(thread.id) } }, owner.token));
    const left = await notificationsOf(server, guest);
    expect(left).toMatchObject({ totalCount: 2, unreadCount: 2 });
    expect(left.edges.map((edge) => edge.node.conversation.subject)).toEqual(['Parking spaces', 'Parking spaces']);
    const hidden = await server.gql(NODE, { id: aboutLease }, guest.token);
    expect(hidden.data).toEqual({ node: null });
    expect(codes(hidden)).toEqual(['NOT_FOUND']);
    const markHidden = await server.gql(MARK_READ, { input: { ids: [aboutLease] } }, guest.token);
    expect(markHidden.data).toBeNull();
    expect(codes(markHidden)).toEqual(['NOT_FOUND']);
    expect(ok(await server.gql(MARK_READ, { input: { all: true } }, guest.token))).toEqual({ markNotificationsRead: 2 });

    ok(await server.gql(ADD_GUEST, { input: { guestId: guestId(guest.actor), conversationId: conversationId(thread.id) } }, owner.token));
    const back = await notificationsOf(server, guest);
    expect(back).toMatchObject({ totalCount: 4, unreadCount: 2 });
    expect(back.edges.filter((edge) => edge.node.readAt === null).map((edge) => edge.node.reason)).toEqual(['ADDED_TO_CONVERSATION', 'MENTIONED']);
    expect(ok(await server.gql(NODE, { id: aboutLease }, guest.token))).toEqual({ node: { __typename: 'Notification', reason: 'MENTIONED', conversation: { subject: 'Lease renewal' } } });
  });

  it('marks the viewer\'s own notifications read, counts only those that became read, and changes nothing for IDs that are not theirs', async () => {
    const { owner, member, admin, thread } = await scene();
    await mention(server, owner, thread.id, [member.actor, admin.actor], 'One');
    await mention(server, owner, thread.id, [member.actor, admin.actor], 'Two');
    await mention(server, owner, thread.id, [member.actor], 'Three');
    const [three, two, one] = (await notificationsOf(server, member)).edges.map((edge) => edge.node.id);
    const adminsOwn = (await notificationsOf(server, admin)).edges[0]!.node.id;

    for (const ids of [[three, adminsOwn], [three, toGlobalId('Notification', '00000000-0000-4000-8000-000000000000')], [three, 'not-an-id'], [three, toGlobalId('Comment', databaseId(three!))]]) {
      const refused = await server.gql(MARK_READ, { input: { ids } }, member.token);
      expect(refused.data).toBeNull();
      expect(codes(refused)).toEqual(['NOT_FOUND']);
    }
    expect(await notificationsOf(server, member)).toMatchObject({ unreadCount: 3 });
    expect(await notificationsOf(server, admin)).toMatchObject({ unreadCount: 2 });

    expect(ok(await server.gql(MARK_READ, { input: { ids: [three, two, three] } }, member.token))).toEqual({ markNotificationsRead: 2 });
    expect(ok(await server.gql(MARK_READ, { input: { ids: [three] } }, member.token))).toEqual({ markNotificationsRead: 0 });
    const after = await notificationsOf(server, member);
    expect(after).toMatchObject({ totalCount: 3, unreadCount: 1 });
    expect(after.edges.map((edge) => edge.node.readAt !== null)).toEqual([true, true, false]);
    expect(await notificationsOf(server, member, { unreadOnly: true })).toMatchObject({ totalCount: 1, unreadCount: 1, edges: [{ node: { id: one } }] });
    expect(ok(await server.gql(MARK_READ, { input: { all: true } }, member.token))).toEqual({ markNotificationsRead: 1 });
    expect(ok(await server.gql(MARK_READ, { input: { all: true } }, member.token))).toEqual({ markNotificationsRead: 0 });
    expect(await notificationsOf(server, admin)).toMatchObject({ unreadCount: 2 });

    for (const input of [{}, { ids: [three], all: true }, { ids: Array.from({ length: 101 }, () => three) }]) {
      const refused = await server.gql(MARK_READ, { input }, member.token);
      expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    }
    expect(codes(await server.gql(MARK_READ, { input: { all: true } }))).toEqual(['UNAUTHENTICATED']);
  });

  it('pages newest first with opaque cursors, and finds a notification by its ID for its recipient only', async () => {
    const { owner, member, admin, thread } = await scene();
    for (const body of ['1', '2', '3', '4', '5']) await mention(server, owner, thread.id, [member.actor], body);
    const bodies = (page: Awaited<ReturnType<typeof notificationsOf>>) => page.edges.map((edge) => edge.node.comment.body);
    const first = await notificationsOf(server, member, { first: 2 });
    expect(bodies(first)).toEqual(['5', '4']);
    expect(first).toMatchObject({ totalCount: 5, pageInfo: { hasNextPage: true, endCursor: first.edges[1]!.cursor } });
    const second = await notificationsOf(server, member, { first: 2, after: first.pageInfo.endCursor });
    expect(bodies(second)).toEqual(['3', '2']);
    const last = await notificationsOf(server, member, { first: 2, after: second.pageInfo.endCursor });
    expect(bodies(last)).toEqual(['1']);
    expect(last.pageInfo.hasNextPage).toBe(false);
    expect(codes(await server.gql(`query { notifications(after: "nope") { totalCount } }`, {}, member.token))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await server.gql(`query { notifications(first: 101) { totalCount } }`, {}, member.token))).toEqual(['BAD_USER_INPUT']);

    const id = first.edges[0]!.node.id;
    expect(ok(await server.gql(`query ($id: ID!) { node(id: $id) { id ... on Notification { ${NOTIFICATION_FIELDS} } } }`, { id }, member.token)).node).toMatchObject({
      id,
      reason: 'MENTIONED',
      comment: { body: '5' },
    });
    const notTheirs = await server.gql(NODE, { id }, admin.token);
    expect(notTheirs.data).toEqual({ node: null });
    expect(codes(notTheirs)).toEqual(['NOT_FOUND']);
    expect(codes(await server.gql(NODE, { id }, (await buildOrganization(server)).token))).toEqual(['NOT_FOUND']);
  });

  it('keeps every member\'s and guest\'s own notification settings, ALL until they change them', async () => {
    const { member, guest } = await scene();
    expect(ok(await server.gql(SETTINGS, {}, member.token))).toEqual({ notificationSettings: { email: 'ALL' } });
    expect(ok(await server.gql(UPDATE_SETTINGS, { input: { email: 'MENTIONS' } }, member.token))).toEqual({ updateNotificationSettings: { email: 'MENTIONS' } });
    expect(ok(await server.gql(UPDATE_SETTINGS, { input: { email: 'NONE' } }, guest.token))).toEqual({ updateNotificationSettings: { email: 'NONE' } });
    expect(ok(await server.gql(SETTINGS, {}, member.token))).toEqual({ notificationSettings: { email: 'MENTIONS' } });
    expect(ok(await server.gql(SETTINGS, {}, guest.token))).toEqual({ notificationSettings: { email: 'NONE' } });
    expect(codes(await server.gql(UPDATE_SETTINGS, { input: { email: 'SOMETIMES' } }, member.token))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await server.gql(SETTINGS, {}))).toEqual(['UNAUTHENTICATED']);
  });

  it('answers the subscription field over HTTP with an error pointing at websockets', async () => {
    const { member } = await scene();
    const response = await server.gql(`subscription { notificationAdded { id } }`, {}, member.token);
    expect(response.data ?? null).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/websockets/);
  });
});
