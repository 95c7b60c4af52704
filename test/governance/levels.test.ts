import { buildMember, buildOrganization, type Session } from '../support/factories';
import { codes, itWithSharedDatabase, startServer, type TestServer } from '../support/server';
import { connect, within } from '../support/websocket';
import { untilLive } from '../realtime/helpers';
import { guestWith, LEAVE, POST_COMMENT, threadOf, UPDATE_ACCESS, type TestThread } from './helpers';
import { type UploadResponse, uploadFile } from '../support/api';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const READ_PAGE = `query ($id: ID!) {
  conversation(id: $id) {
    subject viewerCanComment
    viewerGuestAccess { level expiresAt grantedAt grantedBy { id } conversation { id } }
    comments(first: 50) { totalCount nodes { body attachments { id url } } }
  }
}`;
const SUBSCRIBE = `subscription ($id: ID!) { commentAdded(conversationId: $id) { body conversation { viewerCanComment } } }`;

const upload = (token: string, text: string): Promise<UploadResponse> => uploadFile(server, token, text);

async function commentCount(owner: Session, thread: TestThread): Promise<number> {
  const response = await server.gql(READ_PAGE, { id: thread.id }, owner.token);
  return response.data.conversation.comments.totalCount;
}

describe('READ access', () => {
  let owner: Session;
  let thread: TestThread;
  beforeAll(async () => {
    owner = await buildOrganization(server);
    thread = await threadOf(server, owner);
  });

  it('lets a READ guest read the conversation, shows viewerCanComment false and their own access', async () => {
    const guest = await guestWith(server, owner, thread, { level: 'READ' });
    await server.gql(POST_COMMENT, { input: { conversationId: thread.id, body: 'For the lawyer to read.' } }, owner.token);

    const response = await server.gql(READ_PAGE, { id: thread.id }, guest.token);
    expect(response.errors).toBeUndefined();
    expect(response.data.conversation).toMatchObject({
      subject: 'Lease renewal',
      viewerCanComment: false,
      viewerGuestAccess: { level: 'READ', expiresAt: null, grantedBy: { id: expect.any(String) }, conversation: { id: thread.id } },
    });
    expect(response.data.conversation.comments.nodes.map((comment: any) => comment.body)).toContain('For the lawyer to read.');

    const asOwner = await server.gql(READ_PAGE, { id: thread.id }, owner.token);
    expect(asOwner.data.conversation).toMatchObject({ viewerCanComment: true, viewerGuestAccess: null });
  });

  it("refuses a READ guest's comment with FORBIDDEN and posts nothing", async () => {
    const guest = await guestWith(server, owner, thread, { level: 'READ' });
    const before = await commentCount(owner, thread);

    const response = await server.gql(POST_COMMENT, { input: { conversationId: thread.id, body: 'Can I?' } }, guest.token);

    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(await commentCount(owner, thread)).toBe(before);
  });

  it('refuses to attach a READ guest\'s upload with FORBIDDEN: nothing is posted and the upload stays unattached', async () => {
    const guest = await guestWith(server, owner, thread, { level: 'READ' });
    const uploaded = await upload(guest.token, 'draft contract');
    expect(uploaded.status).toBe(201);
    const before = await commentCount(owner, thread);

    const response = await server.gql(
      POST_COMMENT,
      { input: { conversationId: thread.id, body: 'See attached.', attachmentIds: [uploaded.body.id] } },
      guest.token,
    );

    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(await commentCount(owner, thread)).toBe(before);
    const [row] = await server.app.database.dataSource.query(
      `SELECT comment_id, conversation_id FROM attachments WHERE id = $1`,
      [Buffer.from(uploaded.body.id, 'base64url').toString('utf8').split(':')[1]],
    );
    expect(row).toEqual({ comment_id: null, conversation_id: null });
  });

  it('lets a READ guest download the conversation\'s files through their signed links', async () => {
    const member = await buildMember(server, { inviter: owner });
    const uploaded = await upload(member.token, 'the signed lease');
    const posted = await server.gql(
      POST_COMMENT,
      { input: { conversationId: thread.id, body: 'The lease.', attachmentIds: [uploaded.body.id] } },
      member.token,
    );
    expect(posted.errors).toBeUndefined();
    const guest = await guestWith(server, owner, thread, { level: 'READ' });

    const page = await server.gql(READ_PAGE, { id: thread.id }, guest.token);
    const attachment = page.data.conversation.comments.nodes.flatMap((comment: any) => comment.attachments).find((a: any) => a.id === uploaded.body.id);
    const download = await fetch(attachment.url);

    expect(download.status).toBe(200);
    expect(await download.text()).toBe('the signed lease');
  });

  it('applies a level change to the very next request, both ways', async () => {
    const guest = await guestWith(server, owner, thread);
    const toRead = await server.gql(UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: thread.id, level: 'READ' } }, owner.token);
    expect(toRead.errors).toBeUndefined();
    expect(toRead.data.updateGuestAccess).toMatchObject({ level: 'READ', expiresAt: null, conversation: { id: thread.id } });

    const refused = await server.gql(POST_COMMENT, { input: { conversationId: thread.id, body: 'Now?' } }, guest.token);
    expect(refused.data).toBeNull();
    expect(codes(refused)).toEqual(['FORBIDDEN']);

    await server.gql(UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: thread.id, level: 'COMMENT' } }, owner.token);
    const allowed = await server.gql(POST_COMMENT, { input: { conversationId: thread.id, body: 'Now.' } }, guest.token);
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data.postComment.body).toBe('Now.');
  });

  itWithSharedDatabase('keeps a READ guest subscribed, and shows a level change in the next event on another instance at once', async () => {
    const second = await startServer(server.env);
    try {
      const guest = await guestWith(server, owner, thread);
      const client = await connect(second, guest.token);
      const subscription = client.subscribe(SUBSCRIBE, { id: thread.id });
      await untilLive(second, { uuid: thread.uuid, id: thread.id });

      await server.gql(POST_COMMENT, { input: { conversationId: thread.id, body: 'First.' } }, owner.token);
      const [first] = await subscription.take(1);
      expect(first!.data).toEqual({ commentAdded: { body: 'First.', conversation: { viewerCanComment: true } } });

      const changed = await server.gql(UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: thread.id, level: 'READ' } }, owner.token);
      expect(changed.errors).toBeUndefined();
      await server.gql(POST_COMMENT, { input: { conversationId: thread.id, body: 'Second.' } }, owner.token);

      const results = await subscription.take(2);
      expect(results[1]!.data).toEqual({ commentAdded: { body: 'Second.', conversation: { viewerCanComment: false } } });
      expect(second.app.services.realtime.liveSubscriptions(thread.uuid)).toBe(1);
      await client.dispose();
    } finally {
      await second.stop();
    }
  });
});

describe('updateGuestAccess', () => {
  let owner: Session;
  let admin: Session;
  let member: Session;
  let thread: TestThread;
  let guest: Awaited<ReturnType<typeof guestWith>>;
  beforeAll(async () => {
    owner = await buildOrganization(server);
    admin = await buildMember(server, { inviter: owner, role: 'ADMIN' });
    member = await buildMember(server, { inviter: owner });
    thread = await threadOf(server, owner);
    guest = await guestWith(server, owner, thread);
  });

  const update = (as: { token: string }, fields: Record<string, unknown>) =>
    server.gql(UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: thread.id, ...fields } }, as.token);

  it('lets any member change an access while whoCanInvite is MEMBERS; a guest gets FORBIDDEN', async () => {
    const byMember = await update(member, { level: 'READ' });
    expect(byMember.errors).toBeUndefined();
    expect(byMember.data.updateGuestAccess.level).toBe('READ');

    const byGuest = await update(guest, { level: 'COMMENT' });
    expect(byGuest.data).toBeNull();
    expect(codes(byGuest)).toEqual(['FORBIDDEN']);
  });

  it('lets only owners and admins change an access once whoCanInvite is ADMINS', async () => {
    await server.gql(`mutation { updateGuestSettings(input: { whoCanInvite: ADMINS }) { whoCanInvite } }`, {}, owner.token);
    try {
      const byMember = await update(member, { level: 'COMMENT' });
      expect(byMember.data).toBeNull();
      expect(codes(byMember)).toEqual(['FORBIDDEN']);
      const byAdmin = await update(admin, { level: 'COMMENT' });
      expect(byAdmin.errors).toBeUndefined();
    } finally {
      await server.gql(`mutation { updateGuestSettings(input: { whoCanInvite: MEMBERS }) { whoCanInvite } }`, {}, owner.token);
    }
  });

  it('changes only what it is given: omitted stays, null removes the expiry', async () => {
    const end = new Date(Date.now() + 3 * 24 * 3600 * 1000);
    const withEnd = await update(owner, { level: 'READ', expiresAt: end.toISOString() });
    expect(withEnd.data.updateGuestAccess).toMatchObject({ level: 'READ', expiresAt: end.toISOString() });

    const levelOnly = await update(owner, { level: 'COMMENT' });
    expect(levelOnly.data.updateGuestAccess).toMatchObject({ level: 'COMMENT', expiresAt: end.toISOString() });

    const noEnd = await update(owner, { expiresAt: null });
    expect(noEnd.data.updateGuestAccess).toMatchObject({ level: 'COMMENT', expiresAt: null });
  });

  it('refuses an expiresAt that is not in the future with BAD_USER_INPUT and changes nothing', async () => {
    const before = await server.gql(`query ($id: ID!) { node(id: $id) { ... on Guest { accesses { level expiresAt } } } }`, { id: guest.id }, owner.token);
    for (const expiresAt of [new Date(Date.now() - 1000).toISOString(), new Date().toISOString()]) {
      const response = await update(owner, { level: 'READ', expiresAt });
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    }
    const after = await server.gql(`query ($id: ID!) { node(id: $id) { ... on Guest { accesses { level expiresAt } } } }`, { id: guest.id }, owner.token);
    expect(after.data).toEqual(before.data);
  });

  it('answers NOT_FOUND for an access that does not exist, and for another organization\'s guest', async () => {
    const otherThread = await threadOf(server, owner, 'Not theirs');
    const notGranted = await server.gql(UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: otherThread.id, level: 'READ' } }, owner.token);
    expect(notGranted.data).toBeNull();
    expect(codes(notGranted)).toEqual(['NOT_FOUND']);

    const stranger = await buildOrganization(server);
    const foreign = await server.gql(UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: thread.id, level: 'READ' } }, stranger.token);
    expect(foreign.data).toBeNull();
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
  });
});

describe('leaveConversation', () => {
  let owner: Session;
  beforeAll(async () => {
    owner = await buildOrganization(server);
  });

  it('ends a guest\'s own access: the conversation is NOT_FOUND afterwards and their accesses no longer list it', async () => {
    const thread = await threadOf(server, owner);
    const kept = await threadOf(server, owner, 'Still theirs');
    const guest = await guestWith(server, owner, thread);
    await server.gql(`mutation ($input: GuestConversationInput!) { addGuestToConversation(input: $input) { id } }`, { input: { guestId: guest.id, conversationId: kept.id } }, owner.token);

    const left = await server.gql(LEAVE, { id: thread.id }, guest.token);
    expect(left).toMatchObject({ data: { leaveConversation: true } });
    expect(left.errors).toBeUndefined();

    const read = await server.gql(`query ($id: ID!) { conversation(id: $id) { id } }`, { id: thread.id }, guest.token);
    expect(read.data).toEqual({ conversation: null });
    expect(codes(read)).toEqual(['NOT_FOUND']);
    const own = await server.gql(`{ viewer { ... on Guest { accesses { conversation { id } } conversationCount } } }`, {}, guest.token);
    expect(own.data.viewer).toEqual({ accesses: [{ conversation: { id: kept.id } }], conversationCount: 1 });

    const again = await server.gql(LEAVE, { id: thread.id }, guest.token);
    expect(again.data).toBeNull();
    expect(codes(again)).toEqual(['NOT_FOUND']);
  });

  it('is FORBIDDEN for members, and NOT_FOUND for a conversation the guest is not in', async () => {
    const thread = await threadOf(server, owner);
    const other = await threadOf(server, owner, 'Other');
    const guest = await guestWith(server, owner, thread);

    const byMember = await server.gql(LEAVE, { id: thread.id }, owner.token);
    expect(byMember.data).toBeNull();
    expect(codes(byMember)).toEqual(['FORBIDDEN']);

    const notTheirs = await server.gql(LEAVE, { id: other.id }, guest.token);
    expect(notTheirs.data).toBeNull();
    expect(codes(notTheirs)).toEqual(['NOT_FOUND']);
  });

  it("ends the leaving guest's open subscription with FORBIDDEN", async () => {
    const thread = await threadOf(server, owner);
    const guest = await guestWith(server, owner, thread);
    const client = await connect(server, guest.token);
    const subscription = client.subscribe(SUBSCRIBE, { id: thread.id });
    await untilLive(server, { uuid: thread.uuid, id: thread.id });

    await server.gql(LEAVE, { id: thread.id }, guest.token);

    expect(await within(subscription.ended, 1000, 'the end of the subscription')).toEqual({ kind: 'complete' });
    expect(codes(subscription.results[0] as any)).toEqual(['FORBIDDEN']);
    await client.dispose();
  });
});
