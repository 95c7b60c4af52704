import { toGlobalId } from '../../src/ids';
import { actorGlobalId, uploadFile } from '../support/api';
import { buildMember, buildOrganization, invitationToken, PASSWORD, uniqueEmail, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';
import { eventually } from '../realtime/helpers';
import {
  ACCEPT,
  AUDIT_EVENTS,
  auditEvents,
  auditRows,
  gqlWith,
  guestWith,
  INVITE_GUEST,
  LEAVE,
  UPDATE_ACCESS,
  threadOf,
  type AuditNode,
  type TestThread,
} from './helpers';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

/** A client behind the (trusted, loopback) proxy the tests talk through. */
const CLIENT = { 'user-agent': 'AuditTest/1.0 (governance)', 'x-forwarded-for': '203.0.113.9' };
const EXPECTED_CLIENT = { ip: '203.0.113.9', userAgent: 'AuditTest/1.0 (governance)' };

const INVITE_MEMBER = `mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { invitationUrl } }`;
const ADD = `mutation ($input: GuestConversationInput!) { addGuestToConversation(input: $input) { id } }`;
const REMOVE = `mutation ($input: GuestConversationInput!) { removeGuestFromConversation(input: $input) { id } }`;
const REVOKE = `mutation ($input: RevokeGuestInput!) { revokeGuest(input: $input) { id status } }`;
const SETTINGS = `mutation ($input: UpdateGuestSettingsInput!) { updateGuestSettings(input: $input) { enabled defaultAccessDays } }`;
const UPDATE_CONVERSATION = `mutation ($input: UpdateConversationInput!) { updateConversation(input: $input) { allowGuests } }`;
const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) { token } }`;
const POST_COMMENT = `mutation ($input: PostCommentInput!) { postComment(input: $input) { id attachments { id url } } }`;

const ref = (typename: 'User' | 'Guest', id: string) => ({ __typename: typename, id });
const userOf = (session: Session) => ref('User', actorGlobalId(session.actor));

/** The newest event of an action in the viewer's organization. */
async function latest(as: Session, action: string, filter: Record<string, unknown> = {}): Promise<AuditNode | undefined> {
  return (await auditEvents(server, as.token, { actions: [action], ...filter }))[0];
}

async function upload(token: string): Promise<string> {
  return (await uploadFile(server, token, 'quarterly figures', 'figures.txt')).body.id;
}

describe('what the audit log records', () => {
  let owner: Session;
  let thread: TestThread;
  beforeAll(async () => {
    owner = await buildOrganization(server);
    thread = await threadOf(server, owner);
  });

  it('records a member invitation and its acceptance', async () => {
    const email = uniqueEmail('new-member');
    const invited = await gqlWith(server, INVITE_MEMBER, { input: { email, role: 'MEMBER' } }, owner.token, CLIENT);
    expect(invited.errors).toBeUndefined();
    expect(await latest(owner, 'MEMBER_INVITED')).toMatchObject({ actor: userOf(owner), subject: null, conversation: null, ...EXPECTED_CLIENT });

    const accepted = await gqlWith(
      server,
      `mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { viewer { id } } }`,
      { input: { token: invitationToken(invited.data.inviteMember.invitationUrl), name: 'Nina New', password: PASSWORD } },
      null,
      CLIENT,
    );
    const member = ref('User', accepted.data.acceptInvitation.viewer.id);
    expect(await latest(owner, 'MEMBER_JOINED')).toMatchObject({ actor: member, subject: member, ...EXPECTED_CLIENT });
  });

  it('records a guest invited, joining, added, changed, removed, leaving and revoked, each with its conversation', async () => {
    const second = await threadOf(server, owner, 'Second matter');
    const third = await threadOf(server, owner, 'Third matter');
    const email = uniqueEmail('guest');
    const invited = await gqlWith(server, INVITE_GUEST, { input: { conversationId: thread.id, email } }, owner.token, CLIENT);
    const guest = ref('Guest', invited.data.inviteGuest.guest.id);
    expect(await latest(owner, 'GUEST_INVITED')).toMatchObject({ actor: userOf(owner), subject: guest, conversation: { id: thread.id }, ...EXPECTED_CLIENT });

    const accepted = await gqlWith(server, ACCEPT, { input: { token: invitationToken(invited.data.inviteGuest.invitationUrl), name: 'Gus', password: PASSWORD } }, null, CLIENT);
    const guestToken: string = accepted.data.acceptInvitation.token;
    expect(await latest(owner, 'GUEST_JOINED')).toMatchObject({ actor: guest, subject: guest, conversation: null, ...EXPECTED_CLIENT });

    await gqlWith(server, ADD, { input: { guestId: guest.id, conversationId: second.id } }, owner.token, CLIENT);
    expect(await latest(owner, 'GUEST_ADDED')).toMatchObject({ actor: userOf(owner), subject: guest, conversation: { id: second.id }, ...EXPECTED_CLIENT });
    // inviteGuest for an active guest gives one more conversation: that is an addition too, with no new link.
    await gqlWith(server, INVITE_GUEST, { input: { conversationId: third.id, email } }, owner.token, CLIENT);
    expect(await latest(owner, 'GUEST_ADDED')).toMatchObject({ subject: guest, conversation: { id: third.id } });

    await gqlWith(server, UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: second.id, level: 'READ' } }, owner.token, CLIENT);
    expect(await latest(owner, 'GUEST_ACCESS_CHANGED')).toMatchObject({ actor: userOf(owner), subject: guest, conversation: { id: second.id }, ...EXPECTED_CLIENT });

    await gqlWith(server, REMOVE, { input: { guestId: guest.id, conversationId: second.id } }, owner.token, CLIENT);
    expect(await latest(owner, 'GUEST_REMOVED')).toMatchObject({ actor: userOf(owner), subject: guest, conversation: { id: second.id }, ...EXPECTED_CLIENT });

    await gqlWith(server, LEAVE, { id: third.id }, guestToken, CLIENT);
    expect(await latest(owner, 'GUEST_LEFT')).toMatchObject({ actor: guest, subject: guest, conversation: { id: third.id }, ...EXPECTED_CLIENT });

    await gqlWith(server, REVOKE, { input: { guestId: guest.id } }, owner.token, CLIENT);
    expect(await latest(owner, 'GUEST_REVOKED')).toMatchObject({ actor: userOf(owner), subject: guest, conversation: null, ...EXPECTED_CLIENT });

    const forGuest = await auditEvents(server, owner.token, { subjectId: guest.id });
    expect(forGuest.map((event) => event.action)).toEqual([
      'GUEST_REVOKED',
      'GUEST_LEFT',
      'GUEST_REMOVED',
      'GUEST_ACCESS_CHANGED',
      'GUEST_ADDED',
      'GUEST_ADDED',
      'GUEST_JOINED',
      'GUEST_INVITED',
    ]);
  });

  it('records allowGuests turned off as one CONVERSATION_GUESTS_CHANGED and one GUEST_REMOVED per guest, and turned on again', async () => {
    const closing = await threadOf(server, owner, 'Closing');
    const first = await guestWith(server, owner, closing);
    const second = await guestWith(server, owner, closing);

    const off = await gqlWith(server, UPDATE_CONVERSATION, { input: { id: closing.id, allowGuests: false } }, owner.token, CLIENT);
    expect(off.errors).toBeUndefined();
    const events = await auditEvents(server, owner.token, { conversationId: closing.id, actions: ['CONVERSATION_GUESTS_CHANGED', 'GUEST_REMOVED'] });
    expect(events).toHaveLength(3);
    expect(events.find((event) => event.action === 'CONVERSATION_GUESTS_CHANGED')).toMatchObject({ actor: userOf(owner), subject: null, ...EXPECTED_CLIENT });
    expect(events.filter((event) => event.action === 'GUEST_REMOVED').map((event) => event.subject!.id).sort()).toEqual([first.id, second.id].sort());

    await server.gql(UPDATE_CONVERSATION, { input: { id: closing.id, allowGuests: false } }, owner.token);
    await server.gql(UPDATE_CONVERSATION, { input: { id: closing.id, allowGuests: true } }, owner.token);
    const changes = await auditEvents(server, owner.token, { conversationId: closing.id, actions: ['CONVERSATION_GUESTS_CHANGED'] });
    expect(changes).toHaveLength(2);
  });

  it('records guest settings changes, but not a call that changes nothing', async () => {
    await gqlWith(server, SETTINGS, { input: { defaultAccessDays: 30 } }, owner.token, CLIENT);
    expect(await latest(owner, 'GUEST_SETTINGS_CHANGED')).toMatchObject({ actor: userOf(owner), subject: null, conversation: null, ...EXPECTED_CLIENT });
    await server.gql(SETTINGS, { input: { defaultAccessDays: 30 } }, owner.token);
    await server.gql(SETTINGS, { input: { defaultAccessDays: null } }, owner.token);
    expect(await auditEvents(server, owner.token, { actions: ['GUEST_SETTINGS_CHANGED'] })).toHaveLength(2);
  });

  it('records log-ins of existing actors, succeeded and failed; an unknown email leaves nothing', async () => {
    const member = await buildMember(server, { inviter: owner });
    const before = (await auditRows(server, owner.viewer.organizationId)).length;

    const ok = await gqlWith(server, LOG_IN, { input: { email: member.email, password: PASSWORD } }, null, CLIENT);
    expect(ok.errors).toBeUndefined();
    expect(await latest(owner, 'LOGIN_SUCCEEDED', { actorId: userOf(member).id })).toMatchObject({ actor: userOf(member), subject: userOf(member), ...EXPECTED_CLIENT });

    const wrong = await gqlWith(server, LOG_IN, { input: { email: member.email, password: 'not the password' } }, null, CLIENT);
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
    await eventually(async () => Boolean(await latest(owner, 'LOGIN_FAILED', { subjectId: userOf(member).id })), 'the LOGIN_FAILED event');
    expect(await latest(owner, 'LOGIN_FAILED', { subjectId: userOf(member).id })).toMatchObject({ actor: userOf(member), ...EXPECTED_CLIENT });

    const unknown = await gqlWith(server, LOG_IN, { input: { email: uniqueEmail('nobody'), password: 'whatever it is' } }, null, CLIENT);
    expect(codes(unknown)).toEqual(['UNAUTHENTICATED']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [{ count }] = await server.app.database.dataSource.query(
      `SELECT count(*)::int AS count FROM audit_events WHERE action LIKE 'LOGIN%' AND subject_id IS NULL`,
    );
    expect(count).toBe(0);
    expect((await auditRows(server, owner.viewer.organizationId)).length).toBe(before + 2);
  });

  it("records a guest's downloads, by signed link and by token, with the file; not a member's", async () => {
    const files = await threadOf(server, owner, 'Files');
    const attachmentId = await upload(owner.token);
    const posted = await server.gql(POST_COMMENT, { input: { conversationId: files.id, body: 'Figures.', attachmentIds: [attachmentId] } }, owner.token);
    expect(posted.errors).toBeUndefined();
    const guest = await guestWith(server, owner, files, { level: 'READ' });
    const page = await server.gql(`query ($id: ID!) { node(id: $id) { ... on Attachment { url } } }`, { id: attachmentId }, guest.token);

    expect((await fetch(page.data.node.url, { headers: CLIENT })).status).toBe(200);
    const byLink = await auditEvents(server, owner.token, { actions: ['ATTACHMENT_DOWNLOADED'], subjectId: guest.id });
    expect(byLink).toEqual([
      expect.objectContaining({
        actor: ref('Guest', guest.id),
        subject: ref('Guest', guest.id),
        conversation: { id: files.id },
        attachment: { id: attachmentId, filename: 'figures.txt' },
        ...EXPECTED_CLIENT,
      }),
    ]);

    const byToken = await fetch(`${server.url}/attachments/${attachmentId}`, { headers: { authorization: `Bearer ${guest.token}`, ...CLIENT } });
    expect(byToken.status).toBe(200);
    // A resumed download's later range and a HEAD are not downloads of their own.
    await fetch(page.data.node.url, { headers: { range: 'bytes=5-' } });
    await fetch(page.data.node.url, { method: 'HEAD' });
    const ownerDownload = await fetch(`${server.url}/attachments/${attachmentId}`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(ownerDownload.status).toBe(200);

    expect(await auditEvents(server, owner.token, { actions: ['ATTACHMENT_DOWNLOADED'], conversationId: files.id })).toHaveLength(2);
  });

  it('records an expiry with no actor and no client, at the moment the access ended', async () => {
    const expiring = await threadOf(server, owner, 'Expiring');
    const guest = await guestWith(server, owner, expiring, { expiresAt: new Date(Date.now() + 600) });
    await new Promise((resolve) => setTimeout(resolve, 700));

    const event = await latest(owner, 'GUEST_ACCESS_EXPIRED', { subjectId: guest.id });
    expect(event).toMatchObject({ actor: null, subject: ref('Guest', guest.id), conversation: { id: expiring.id }, ip: null, userAgent: null });
    const [{ expires_at: end }] = await server.app.database.dataSource.query(
      `SELECT occurred_at AS expires_at FROM audit_events WHERE action = 'GUEST_ACCESS_EXPIRED' AND subject_id = $1`,
      [guest.uuid],
    );
    expect(event!.occurredAt).toBe(new Date(end).toISOString());
  });
});

describe('a refused or rolled-back change', () => {
  let owner: Session;
  let member: Session;
  let thread: TestThread;
  let guest: Awaited<ReturnType<typeof guestWith>>;
  let baseline: number;
  beforeAll(async () => {
    owner = await buildOrganization(server);
    member = await buildMember(server, { inviter: owner });
    thread = await threadOf(server, owner);
    guest = await guestWith(server, owner, thread);
  });
  beforeEach(async () => {
    baseline = (await auditRows(server, owner.viewer.organizationId)).length;
  });
  const eventCount = async () => (await auditRows(server, owner.viewer.organizationId)).length;

  it('leaves no event when a guest is over the conversation limit', async () => {
    const threads = await Promise.all(Array.from({ length: 5 }, (_, n) => threadOf(server, owner, `Limit ${n}`)));
    for (const extra of threads.slice(0, 4)) await server.gql(ADD, { input: { guestId: guest.id, conversationId: extra.id } }, owner.token);
    baseline = await eventCount();

    const response = await server.gql(INVITE_GUEST, { input: { conversationId: threads[4]!.id, email: guest.email } }, owner.token);

    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['GUEST_CONVERSATION_LIMIT_REACHED']);
    expect(await eventCount()).toBe(baseline);
  });

  it('leaves no event when the caller may not make the change', async () => {
    const settings = await server.gql(SETTINGS, { input: { defaultAccessDays: 10 } }, member.token);
    expect(codes(settings)).toEqual(['FORBIDDEN']);
    const access = await server.gql(UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: thread.id, level: 'READ' } }, guest.token);
    expect(codes(access)).toEqual(['FORBIDDEN']);
    const leave = await server.gql(LEAVE, { id: thread.id }, member.token);
    expect(codes(leave)).toEqual(['FORBIDDEN']);
    const chatRoom = await server.gql(`mutation { createChatRoom(input: { name: "General" }) { id } }`, {}, owner.token);
    const notAllowed = await server.gql(ADD, { input: { guestId: guest.id, conversationId: chatRoom.data.createChatRoom.id } }, owner.token);
    expect(codes(notAllowed)).toEqual(['GUEST_NOT_ALLOWED']);

    expect(await eventCount()).toBe(baseline);
  });

  it('leaves no event when the input is refused', async () => {
    const past = new Date(Date.now() - 1000).toISOString();
    const access = await server.gql(UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: thread.id, expiresAt: past } }, owner.token);
    expect(codes(access)).toEqual(['BAD_USER_INPUT']);
    const invite = await server.gql(INVITE_GUEST, { input: { conversationId: thread.id, email: uniqueEmail('x'), expiresAt: past } }, owner.token);
    expect(codes(invite)).toEqual(['BAD_USER_INPUT']);
    const settings = await server.gql(SETTINGS, { input: { defaultAccessDays: 0 } }, owner.token);
    expect(codes(settings)).toEqual(['BAD_USER_INPUT']);

    expect(await eventCount()).toBe(baseline);
  });

  it('leaves no event when the transaction that wrote it rolls back', async () => {
    // allowGuests: false removes the guests and records it; the unknown assignee then fails the same transaction.
    const response = await server.gql(
      UPDATE_CONVERSATION,
      { input: { id: thread.id, allowGuests: false, assigneeIds: [toGlobalId('User', '00000000-0000-4000-8000-000000000000')] } },
      owner.token,
    );

    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['NOT_FOUND']);
    expect(await eventCount()).toBe(baseline);
    const guests = await server.gql(`query ($id: ID!) { conversation(id: $id) { allowGuests guests { id } } }`, { id: thread.id }, owner.token);
    expect(guests.data.conversation).toEqual({ allowGuests: true, guests: [{ id: guest.id }] });
  });
});

describe('organization.auditEvents', () => {
  let owner: Session;
  let admin: Session;
  let member: Session;
  let thread: TestThread;
  let guest: Awaited<ReturnType<typeof guestWith>>;
  let stranger: Session;
  beforeAll(async () => {
    owner = await buildOrganization(server);
    admin = await buildMember(server, { inviter: owner, role: 'ADMIN' });
    member = await buildMember(server, { inviter: owner });
    thread = await threadOf(server, owner);
    guest = await guestWith(server, owner, thread);
    for (const days of [1, 2, 3, 4, 5]) await server.gql(SETTINGS, { input: { defaultAccessDays: days } }, admin.token);
    stranger = await buildOrganization(server);
    const strangerThread = await threadOf(server, stranger);
    await guestWith(server, stranger, strangerThread);
  });

  it('answers owners and admins; a member and a guest get null and FORBIDDEN at organization.auditEvents', async () => {
    for (const as of [owner, admin]) {
      const response = await server.gql(AUDIT_EVENTS, { first: 5 }, as.token);
      expect(response.errors).toBeUndefined();
      expect(response.data.organization.auditEvents.nodes).toHaveLength(5);
    }
    for (const as of [member, guest]) {
      const response = await server.gql(`{ organization { name auditEvents { nodes { id } } } }`, {}, as.token);
      expect(response.data).toEqual({ organization: { name: 'Acme', auditEvents: null } });
      expect(codes(response)).toEqual(['FORBIDDEN']);
      expect(response.errors![0]!.path).toEqual(['organization', 'auditEvents']);
    }
  });

  it('lists newest first, in pages whose cursors resume exactly where the last one stopped', async () => {
    const all = await auditEvents(server, owner.token);
    const times = all.map((event) => Date.parse(event.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(all[0]!.action).toBe('GUEST_SETTINGS_CHANGED');

    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const response: any = await server.gql(AUDIT_EVENTS, { first: 3, after }, owner.token);
      const connection = response.data.organization.auditEvents;
      expect(connection.totalCount).toBe(all.length);
      expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...connection.edges.map((edge: any) => edge.node.id));
      pages += 1;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((event) => event.id));
    expect(pages).toBe(Math.ceil(all.length / 3));
  });

  it('refuses a cursor it did not give out, and a page size over 100, with BAD_USER_INPUT', async () => {
    for (const variables of [{ after: 'bm90LWEtY3Vyc29y' }, { after: Buffer.from('c:12').toString('base64url') }, { first: 101 }]) {
      const response = await server.gql(AUDIT_EVENTS, variables, owner.token);
      expect(response.data).toEqual({ organization: { auditEvents: null } });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('filters by actions, actor, subject, conversation and time range', async () => {
    const all = await auditEvents(server, owner.token);

    const settings = await auditEvents(server, owner.token, { actions: ['GUEST_SETTINGS_CHANGED'] });
    expect(settings).toHaveLength(5);
    const two = await auditEvents(server, owner.token, { actions: ['GUEST_SETTINGS_CHANGED', 'GUEST_JOINED', 'GUEST_SETTINGS_CHANGED'] });
    expect(two.map((event) => event.id)).toEqual(all.filter((event) => ['GUEST_SETTINGS_CHANGED', 'GUEST_JOINED'].includes(event.action)).map((event) => event.id));
    expect(await auditEvents(server, owner.token, { actions: [] })).toEqual([]);

    const byAdmin = await auditEvents(server, owner.token, { actorId: actorGlobalId(admin.actor) });
    expect(byAdmin.map((event) => event.id)).toEqual(all.filter((event) => event.actor?.id === actorGlobalId(admin.actor)).map((event) => event.id));
    expect(byAdmin.length).toBeGreaterThanOrEqual(5);

    const aboutGuest = await auditEvents(server, owner.token, { subjectId: guest.id });
    expect(aboutGuest.map((event) => event.action)).toEqual(['GUEST_JOINED', 'GUEST_INVITED']);
    const inThread = await auditEvents(server, owner.token, { conversationId: thread.id });
    expect(inThread.map((event) => event.action)).toEqual(['GUEST_INVITED']);

    const middle = settings[2]!;
    const since = await auditEvents(server, owner.token, { actions: ['GUEST_SETTINGS_CHANGED'], since: middle.occurredAt });
    expect(since.map((event) => event.id)).toEqual(settings.slice(0, 3).map((event) => event.id));
    const until = await auditEvents(server, owner.token, { actions: ['GUEST_SETTINGS_CHANGED'], until: middle.occurredAt });
    expect(until.map((event) => event.id)).toEqual(settings.slice(3).map((event) => event.id));
  });

  it('never shows another organization\'s events, whatever the filter names', async () => {
    const theirs = await auditEvents(server, stranger.token);
    expect(theirs.length).toBeGreaterThan(0);
    const ours = new Set((await auditEvents(server, owner.token)).map((event) => event.id));
    expect(theirs.some((event) => ours.has(event.id))).toBe(false);

    expect(await auditEvents(server, owner.token, { actorId: actorGlobalId(stranger.actor) })).toEqual([]);
    expect(await auditEvents(server, owner.token, { subjectId: theirs[0]!.subject!.id })).toEqual([]);
    expect(await auditEvents(server, owner.token, { conversationId: theirs.find((event) => event.conversation)!.conversation!.id })).toEqual([]);
    const node = await server.gql(`query ($id: ID!) { node(id: $id) { id } }`, { id: theirs[0]!.id }, owner.token);
    expect(node.data).toEqual({ node: null });
    expect(codes(node)).toEqual(['NOT_FOUND']);
  });

  it('finds an event by node(id) for owners and admins only', async () => {
    const [event] = await auditEvents(server, owner.token);
    const query = `query ($id: ID!) { node(id: $id) { __typename id ... on AuditEvent { action } } }`;
    const byAdmin = await server.gql(query, { id: event!.id }, admin.token);
    expect(byAdmin.data).toEqual({ node: { __typename: 'AuditEvent', id: event!.id, action: event!.action } });
    for (const as of [member, guest]) {
      const response = await server.gql(query, { id: event!.id }, as.token);
      expect(response.data).toEqual({ node: null });
      expect(codes(response)).toEqual(['NOT_FOUND']);
    }
  });

  it('refuses an ID of the wrong kind in a filter with BAD_USER_INPUT', async () => {
    for (const filter of [{ actorId: thread.id }, { subjectId: 'nonsense' }, { conversationId: guest.id }]) {
      const response = await server.gql(AUDIT_EVENTS, { filter }, owner.token);
      expect(response.data).toEqual({ organization: { auditEvents: null } });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    }
  });
});

describe('the client address', () => {
  it('is the proxy itself when TRUST_PROXY does not trust it to name the client', async () => {
    const strict = await startServer({ TRUST_PROXY: '10.1.2.3' });
    try {
      const owner = await buildOrganization(strict);
      await gqlWith(strict, LOG_IN, { input: { email: owner.email, password: PASSWORD } }, null, CLIENT);
      const [event] = await auditEvents(strict, owner.token, { actions: ['LOGIN_SUCCEEDED'] });
      expect(event!.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      expect(event!.userAgent).toBe(CLIENT['user-agent']);
    } finally {
      await strict.stop();
    }
  });
});
