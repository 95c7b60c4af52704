import { toGlobalId } from '../../src/ids';
import { actorGlobalId } from '../support/api';
import {
  buildComment,
  buildConversation,
  buildGuest,
  buildInvitedGuest,
  buildMember,
  buildOrganization,
  invitationToken,
  PASSWORD,
  uniqueEmail,
  type Session,
} from '../support/factories';
import { codes, itWithSharedDatabase, startServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const INVITE = `mutation ($input: InviteGuestInput!) {
  inviteGuest(input: $input) { invitationUrl guest { id name email status isGuest invitedBy { name } conversations { id } conversationCount } }
}`;
const ACCEPT = `mutation ($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) { token viewer { __typename id name isGuest ... on Guest { email status conversations { id } } } }
}`;
const ADD = `mutation ($input: GuestConversationInput!) { addGuestToConversation(input: $input) { id conversationCount } }`;
const REMOVE = `mutation ($input: GuestConversationInput!) { removeGuestFromConversation(input: $input) { id conversationCount conversations { id } } }`;
const REVOKE = `mutation ($input: RevokeGuestInput!) { revokeGuest(input: $input) { id status conversationCount } }`;
const SETTINGS = `mutation ($input: UpdateGuestSettingsInput!) { updateGuestSettings(input: $input) { enabled whoCanInvite } }`;
const CONVERSATION = `query ($id: ID!) { conversation(id: $id) { id subject } }`;
const POST = `mutation ($input: PostCommentInput!) { postComment(input: $input) { id body author { name } mentions { __typename name } } }`;
const COMMENTS = `query ($id: ID!) { conversation(id: $id) { comments(first: 100) { totalCount nodes { body author { __typename name isGuest ... on Guest { status invitedBy { name } } } } } } }`;
const UPDATE_CONVERSATION = `mutation ($input: UpdateConversationInput!) { updateConversation(input: $input) { allowGuests viewerCanInviteGuests guests { id } } }`;

const gid = (conversation: { id: string }) => toGlobalId('Conversation', conversation.id);

/** An organization with an owner, a member and one thread the owner created. */
async function setup() {
  const owner = await buildOrganization(server);
  const member = await buildMember(server, { inviter: owner });
  const conversation = await buildConversation(server, { creator: owner, subject: 'Lease renewal' });
  return { owner, member, conversation };
}

async function invite(as: Session, conversation: { id: string }, email: string, name?: string) {
  return server.gql(INVITE, { input: { conversationId: gid(conversation), email, ...(name ? { name } : {}) } }, as.token);
}

async function accept(invitationUrl: string, name = 'Gina Guest') {
  return server.gql(ACCEPT, { input: { token: invitationToken(invitationUrl), name, password: PASSWORD } });
}

async function guestsOf(as: Session) {
  const response = await server.gql(`{ organization { guests { id email status conversationCount } } }`, {}, as.token);
  return response.data.organization.guests as { id: string; email: string; status: string; conversationCount: number }[];
}

describe('inviteGuest and acceptInvitation', () => {
  it('invites a new email as an INVITED guest with a single-use link valid for 7 days', async () => {
    const { member, conversation } = await setup();
    const email = uniqueEmail('lawyer');
    const response = await invite(member, conversation, email, 'Jane Lawyer');
    expect(response.errors).toBeUndefined();
    const { guest, invitationUrl } = response.data.inviteGuest;
    expect(guest).toMatchObject({
      name: 'Jane Lawyer',
      email,
      status: 'INVITED',
      isGuest: true,
      invitedBy: { name: 'Max Member' },
      conversations: [{ id: gid(conversation) }],
      conversationCount: 1,
    });
    expect(invitationUrl).toMatch(new RegExp(`^${server.url}/invitations/[^/]+$`));

    const [row] = await server.app.database.dataSource.query(
      `SELECT extract(epoch FROM expires_at - created_at)::int AS ttl FROM invitations WHERE guest_id = $1`,
      [guestDbId(guest.id)],
    );
    expect(row.ttl).toBeGreaterThanOrEqual(7 * 24 * 3600 - 5);
    expect(row.ttl).toBeLessThanOrEqual(7 * 24 * 3600 + 5);

    const accepted = await accept(invitationUrl, 'Jane L.');
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.acceptInvitation.viewer).toEqual({
      __typename: 'Guest',
      id: guest.id,
      name: 'Jane L.',
      isGuest: true,
      email,
      status: 'ACTIVE',
      conversations: [{ id: gid(conversation) }],
    });
    const token = accepted.data.acceptInvitation.token;
    const read = await server.gql(CONVERSATION, { id: gid(conversation) }, token);
    expect(read.data.conversation).toEqual({ id: gid(conversation), subject: 'Lease renewal' });

    const again = await accept(invitationUrl, 'Someone else');
    expect(again.data).toBeNull();
    expect(codes(again)).toEqual(['INVITATION_INVALID']);

    const logIn = await server.gql(`mutation ($input: LogInInput!) { logIn(input: $input) { viewer { __typename name } } }`, {
      input: { email, password: PASSWORD },
    });
    expect(logIn.data.logIn.viewer).toEqual({ __typename: 'Guest', name: 'Jane L.' });
  });

  it('refuses an expired or unknown link with INVITATION_INVALID and leaves the guest INVITED', async () => {
    const { owner, conversation } = await setup();
    const { guest, invitationUrl } = await buildInvitedGuest(server, { inviter: owner, conversationId: conversation.id });
    await server.app.database.dataSource.query(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE guest_id = $1`, [guest.id]);
    const expired = await accept(invitationUrl);
    expect(expired.data).toBeNull();
    expect(codes(expired)).toEqual(['INVITATION_INVALID']);

    const unknown = await accept(`${server.url}/invitations/inv_doesnotexist`);
    expect(unknown.data).toBeNull();
    expect(codes(unknown)).toEqual(['INVITATION_INVALID']);

    expect((await guestsOf(owner)).find((g) => g.id === actorGlobalId(guest))).toMatchObject({ status: 'INVITED' });
  });

  it('gives an INVITED guest invited again the new conversation and a fresh link; the old link stops working', async () => {
    const { owner, member, conversation } = await setup();
    const second = await buildConversation(server, { creator: owner, subject: 'Second' });
    const email = uniqueEmail('partner');
    const first = (await invite(owner, conversation, email)).data.inviteGuest;
    const again = await invite(member, second, email.toUpperCase());
    expect(again.errors).toBeUndefined();
    expect(again.data.inviteGuest.guest).toMatchObject({
      id: first.guest.id,
      status: 'INVITED',
      conversations: [{ id: gid(conversation) }, { id: gid(second) }],
      conversationCount: 2,
    });
    expect(again.data.inviteGuest.invitationUrl).toMatch(/\/invitations\/[^/]+$/);
    expect(again.data.inviteGuest.invitationUrl).not.toBe(first.invitationUrl);

    const old = await accept(first.invitationUrl);
    expect(codes(old)).toEqual(['INVITATION_INVALID']);
    const fresh = await accept(again.data.inviteGuest.invitationUrl);
    expect(fresh.data.acceptInvitation.viewer).toMatchObject({ id: first.guest.id, status: 'ACTIVE' });
    expect(fresh.data.acceptInvitation.viewer.conversations).toHaveLength(2);
    expect((await guestsOf(owner)).filter((g) => g.email === email)).toHaveLength(1);
  });

  it('gives an ACTIVE guest invited again the conversation at once, with invitationUrl null', async () => {
    const { owner, conversation } = await setup();
    const second = await buildConversation(server, { creator: owner, subject: 'Second' });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const again = await invite(owner, second, guest.email);
    expect(again.errors).toBeUndefined();
    expect(again.data.inviteGuest).toMatchObject({ invitationUrl: null, guest: { id: actorGlobalId(guest.actor), status: 'ACTIVE', conversationCount: 2 } });
    const read = await server.gql(CONVERSATION, { id: gid(second) }, guest.token);
    expect(read.data.conversation).toEqual({ id: gid(second), subject: 'Second' });
  });

  it('inviting an ACTIVE guest into a conversation they already have changes nothing', async () => {
    const { owner, conversation } = await setup();
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const again = await invite(owner, conversation, guest.email);
    expect(again.data.inviteGuest).toMatchObject({ invitationUrl: null, guest: { conversationCount: 1 } });
  });

  it('makes a REVOKED guest invited again INVITED, with a link and only the new conversation', async () => {
    const { owner, conversation } = await setup();
    const second = await buildConversation(server, { creator: owner, subject: 'Second' });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    await server.gql(REVOKE, { input: { guestId: actorGlobalId(guest.actor) } }, owner.token);

    const again = await invite(owner, second, guest.email);
    expect(again.errors).toBeUndefined();
    expect(again.data.inviteGuest.guest).toMatchObject({ id: actorGlobalId(guest.actor), status: 'INVITED', conversations: [{ id: gid(second) }] });
    const accepted = await accept(again.data.inviteGuest.invitationUrl, 'Back Again');
    expect(accepted.data.acceptInvitation.viewer).toMatchObject({ status: 'ACTIVE', conversations: [{ id: gid(second) }] });
    const oldOne = await server.gql(CONVERSATION, { id: gid(conversation) }, accepted.data.acceptInvitation.token);
    expect(oldOne.data).toEqual({ conversation: null });
    expect(codes(oldOne)).toEqual(['NOT_FOUND']);
  });

  it("refuses a member's email with BAD_USER_INPUT and creates no guest", async () => {
    const { owner, member, conversation } = await setup();
    const response = await invite(owner, conversation, member.email.toUpperCase());
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await guestsOf(owner)).toEqual([]);
  });

  it('refuses a malformed email or an unknown conversation and creates nothing', async () => {
    const { owner, conversation } = await setup();
    const malformed = await invite(owner, conversation, 'not-an-email');
    expect(codes(malformed)).toEqual(['BAD_USER_INPUT']);
    const missing = await server.gql(INVITE, { input: { conversationId: toGlobalId('Conversation', owner.actor.id), email: uniqueEmail() } }, owner.token);
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    expect(await guestsOf(owner)).toEqual([]);
  });
});

describe('removal and revocation', () => {
  it('removeGuestFromConversation takes effect on the very next request; the comments stay with the name', async () => {
    const { owner, conversation } = await setup();
    const second = await buildConversation(server, { creator: owner, subject: 'Second' });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id], name: 'Gina Guest' });
    await server.gql(ADD, { input: { guestId: actorGlobalId(guest.actor), conversationId: gid(second) } }, owner.token);
    await buildComment(server, { author: guest, conversationId: conversation.id, body: 'Clause 4 is fine.' });

    const removed = await server.gql(REMOVE, { input: { guestId: actorGlobalId(guest.actor), conversationId: gid(conversation) } }, owner.token);
    expect(removed.data.removeGuestFromConversation).toEqual({ id: actorGlobalId(guest.actor), conversationCount: 1, conversations: [{ id: gid(second) }] });

    const read = await server.gql(CONVERSATION, { id: gid(conversation) }, guest.token);
    expect(read.data).toEqual({ conversation: null });
    expect(codes(read)).toEqual(['NOT_FOUND']);
    const post = await server.gql(POST, { input: { conversationId: gid(conversation), body: 'Still here?' } }, guest.token);
    expect(post.data).toBeNull();
    expect(codes(post)).toEqual(['NOT_FOUND']);
    const list = await server.gql(`{ conversations { nodes { id } } }`, {}, guest.token);
    expect(list.data.conversations.nodes).toEqual([{ id: gid(second) }]);

    const comments = await server.gql(COMMENTS, { id: gid(conversation) }, owner.token);
    expect(comments.data.conversation.comments).toEqual({
      totalCount: 1,
      nodes: [{ body: 'Clause 4 is fine.', author: { __typename: 'Guest', name: 'Gina Guest', isGuest: true, status: 'ACTIVE', invitedBy: { name: 'Olivia Owner' } } }],
    });
  });

  it('revokeGuest ends every session at once; the comments stay with the name and the guest is listed as REVOKED', async () => {
    const { owner, member, conversation } = await setup();
    const guest = await buildGuest(server, { inviter: member, conversationIds: [conversation.id], name: 'Rita Revoked' });
    await buildComment(server, { author: guest, conversationId: conversation.id, body: 'Signed.' });

    const revoked = await server.gql(REVOKE, { input: { guestId: actorGlobalId(guest.actor) } }, member.token);
    expect(revoked.data.revokeGuest).toEqual({ id: actorGlobalId(guest.actor), status: 'REVOKED', conversationCount: 0 });

    const next = await server.gql(`{ viewer { id } }`, {}, guest.token);
    expect(next.data).toBeNull();
    expect(codes(next)).toEqual(['UNAUTHENTICATED']);
    const logIn = await server.gql(`mutation ($input: LogInInput!) { logIn(input: $input) { token } }`, { input: { email: guest.email, password: PASSWORD } });
    expect(codes(logIn)).toEqual(['UNAUTHENTICATED']);

    const comments = await server.gql(COMMENTS, { id: gid(conversation) }, owner.token);
    expect(comments.data.conversation.comments.nodes).toEqual([
      { body: 'Signed.', author: { __typename: 'Guest', name: 'Rita Revoked', isGuest: true, status: 'REVOKED', invitedBy: { name: 'Max Member' } } },
    ]);
    expect(await guestsOf(owner)).toEqual([{ id: actorGlobalId(guest.actor), email: guest.email, status: 'REVOKED', conversationCount: 0 }]);
  });

  itWithSharedDatabase('removal and revocation on one instance take effect on another at once: no grant is cached', async () => {
    const { owner, conversation } = await setup();
    const second = await buildConversation(server, { creator: owner, subject: 'Second' });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    await server.gql(ADD, { input: { guestId: actorGlobalId(guest.actor), conversationId: gid(second) } }, owner.token);
    const other = await startServer(server.env);
    try {
      expect((await other.gql(CONVERSATION, { id: gid(conversation) }, guest.token)).data.conversation).toMatchObject({ subject: 'Lease renewal' });
      await server.gql(REMOVE, { input: { guestId: actorGlobalId(guest.actor), conversationId: gid(conversation) } }, owner.token);
      expect(codes(await other.gql(CONVERSATION, { id: gid(conversation) }, guest.token))).toEqual(['NOT_FOUND']);
      expect((await other.gql(CONVERSATION, { id: gid(second) }, guest.token)).data.conversation).toMatchObject({ subject: 'Second' });
      await server.gql(REVOKE, { input: { guestId: actorGlobalId(guest.actor) } }, owner.token);
      expect(codes(await other.gql(CONVERSATION, { id: gid(second) }, guest.token))).toEqual(['UNAUTHENTICATED']);
    } finally {
      await other.stop();
    }
  });

  it('revoking also invalidates a pending invitation link', async () => {
    const { owner, conversation } = await setup();
    const { guest, invitationUrl } = await buildInvitedGuest(server, { inviter: owner, conversationId: conversation.id });
    await server.gql(REVOKE, { input: { guestId: actorGlobalId(guest) } }, owner.token);
    const accepted = await accept(invitationUrl);
    expect(codes(accepted)).toEqual(['INVITATION_INVALID']);
  });

  it('refuses to add a REVOKED guest back without a new invitation, and answers NOT_FOUND for an unknown guest', async () => {
    const { owner, conversation } = await setup();
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    await server.gql(REVOKE, { input: { guestId: actorGlobalId(guest.actor) } }, owner.token);
    const add = await server.gql(ADD, { input: { guestId: actorGlobalId(guest.actor), conversationId: gid(conversation) } }, owner.token);
    expect(codes(add)).toEqual(['BAD_USER_INPUT']);
    const unknown = await server.gql(ADD, { input: { guestId: toGlobalId('Guest', conversation.id), conversationId: gid(conversation) } }, owner.token);
    expect(codes(unknown)).toEqual(['NOT_FOUND']);
    const aMember = await server.gql(REVOKE, { input: { guestId: toGlobalId('Guest', owner.actor.id) } }, owner.token);
    expect(codes(aMember)).toEqual(['NOT_FOUND']);
  });
  it("lets a revoked guest's email be invited as a member, which a current guest's cannot", async () => {
    const { owner, conversation } = await setup();
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const INVITE_MEMBER = `mutation ($email: String!) { inviteMember(input: { email: $email }) { invitationUrl } }`;
    const refused = await server.gql(INVITE_MEMBER, { email: guest.email }, owner.token);
    expect(refused.data).toBeNull();
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);

    await server.gql(REVOKE, { input: { guestId: actorGlobalId(guest.actor) } }, owner.token);
    const invited = await server.gql(INVITE_MEMBER, { email: guest.email }, owner.token);
    expect(invited.errors).toBeUndefined();
    const joined = await accept(invited.data.inviteMember.invitationUrl, 'Now a Member');
    expect(joined.data.acceptInvitation.viewer).toMatchObject({ __typename: 'User', name: 'Now a Member' });
    const logIn = await server.gql(`mutation ($input: LogInInput!) { logIn(input: $input) { viewer { __typename name } } }`, {
      input: { email: guest.email, password: PASSWORD },
    });
    expect(logIn.data.logIn.viewer).toEqual({ __typename: 'User', name: 'Now a Member' });
  });
});

describe('where guests are not allowed', () => {
  it('allowGuests: false removes every guest of the conversation and blocks invitations with GUEST_NOT_ALLOWED', async () => {
    const { owner, conversation } = await setup();
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const other = await buildGuest(server, { inviter: owner });

    const update = await server.gql(UPDATE_CONVERSATION, { input: { id: gid(conversation), allowGuests: false } }, owner.token);
    expect(update.data.updateConversation).toEqual({ allowGuests: false, viewerCanInviteGuests: false, guests: [] });
    const read = await server.gql(CONVERSATION, { id: gid(conversation) }, guest.token);
    expect(codes(read)).toEqual(['NOT_FOUND']);

    const again = await invite(owner, conversation, uniqueEmail());
    expect(again.data).toBeNull();
    expect(codes(again)).toEqual(['GUEST_NOT_ALLOWED']);
    const add = await server.gql(ADD, { input: { guestId: actorGlobalId(other.actor), conversationId: gid(conversation) } }, owner.token);
    expect(codes(add)).toEqual(['GUEST_NOT_ALLOWED']);
    expect((await guestsOf(owner)).find((g) => g.id === actorGlobalId(other.actor))).toMatchObject({ conversationCount: 1 });

    // Allowing guests again lets new invitations in, but gives nobody their old access back.
    await server.gql(UPDATE_CONVERSATION, { input: { id: gid(conversation), allowGuests: true } }, owner.token);
    expect(codes(await server.gql(CONVERSATION, { id: gid(conversation) }, guest.token))).toEqual(['NOT_FOUND']);
    expect((await invite(owner, conversation, uniqueEmail())).data.inviteGuest.guest.status).toBe('INVITED');
  });

  it('never lets a guest into a chat room', async () => {
    const { owner, conversation } = await setup();
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const room = await server.app.services.conversations.createChatRoom(owner.viewer, { name: 'General' });

    const invited = await invite(owner, room, uniqueEmail());
    expect(codes(invited)).toEqual(['GUEST_NOT_ALLOWED']);
    const added = await server.gql(ADD, { input: { guestId: actorGlobalId(guest.actor), conversationId: gid(room) } }, owner.token);
    expect(codes(added)).toEqual(['GUEST_NOT_ALLOWED']);
    const allow = await server.gql(UPDATE_CONVERSATION, { input: { id: gid(room), allowGuests: true } }, owner.token);
    expect(codes(allow)).toEqual(['GUEST_NOT_ALLOWED']);
    const read = await server.gql(CONVERSATION, { id: gid(room) }, guest.token);
    expect(codes(read)).toEqual(['NOT_FOUND']);
    expect(await guestsOf(owner)).toEqual([expect.objectContaining({ conversationCount: 1 })]);
  });

  it('never makes a guest a team member', async () => {
    const { owner, conversation } = await setup();
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const team = await server.app.services.teams.create(owner.viewer, { name: 'Legal', isDefault: false });
    const response = await server.gql(
      `mutation ($input: AddTeamMemberInput!) { addTeamMember(input: $input) { members { id } } }`,
      { input: { teamId: toGlobalId('Team', team.id), userId: actorGlobalId(guest.actor) } },
      owner.token,
    );
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['GUEST_NOT_ALLOWED']);
    const teams = await server.gql(`{ organization { teams { name members { id } } } }`, {}, owner.token);
    expect(teams.data.organization.teams).toEqual([{ name: 'Legal', members: [] }]);
  });

  it('updateGuestSettings(enabled: false) blocks invitations and suspends guest sessions; enabling restores them', async () => {
    const { owner, member, conversation } = await setup();
    const guest = await buildGuest(server, { inviter: member, conversationIds: [conversation.id] });
    const pending = await buildInvitedGuest(server, { inviter: member, conversationId: conversation.id });

    const off = await server.gql(SETTINGS, { input: { enabled: false } }, owner.token);
    expect(off.data.updateGuestSettings).toEqual({ enabled: false, whoCanInvite: 'MEMBERS' });

    const invited = await invite(member, conversation, uniqueEmail());
    expect(codes(invited)).toEqual(['GUEST_NOT_ALLOWED']);
    const next = await server.gql(CONVERSATION, { id: gid(conversation) }, guest.token);
    expect(next.data).toEqual({ conversation: null });
    expect(codes(next)).toEqual(['UNAUTHENTICATED']);
    const logIn = await server.gql(`mutation ($input: LogInInput!) { logIn(input: $input) { token } }`, { input: { email: guest.email, password: PASSWORD } });
    expect(codes(logIn)).toEqual(['UNAUTHENTICATED']);
    const accepted = await accept(pending.invitationUrl);
    expect(codes(accepted)).toEqual(['GUEST_NOT_ALLOWED']);
    const capability = await server.gql(`query ($id: ID!) { conversation(id: $id) { viewerCanInviteGuests } }`, { id: gid(conversation) }, member.token);
    expect(capability.data.conversation.viewerCanInviteGuests).toBe(false);
    // Data is kept: the guests are still listed as they were.
    expect((await guestsOf(owner)).map((g) => g.status).sort()).toEqual(['ACTIVE', 'INVITED']);

    const on = await server.gql(SETTINGS, { input: { enabled: true } }, owner.token);
    expect(on.data.updateGuestSettings).toEqual({ enabled: true, whoCanInvite: 'MEMBERS' });
    const back = await server.gql(CONVERSATION, { id: gid(conversation) }, guest.token);
    expect(back.data.conversation).toEqual({ id: gid(conversation), subject: 'Lease renewal' });
    expect((await accept(pending.invitationUrl)).data.acceptInvitation.viewer.status).toBe('ACTIVE');
    expect((await invite(member, conversation, uniqueEmail())).data.inviteGuest.guest.status).toBe('INVITED');
  });
});

describe('Settings > Guests and the guest badge', () => {
  it('shows usage and every guest with status, inviter and conversation counts', async () => {
    const { owner, member, conversation } = await setup();
    const second = await buildConversation(server, { creator: owner, subject: 'Second' });
    const active = await buildGuest(server, { inviter: member, conversationIds: [conversation.id], name: 'Ana Active' });
    await server.gql(ADD, { input: { guestId: actorGlobalId(active.actor), conversationId: gid(second) } }, owner.token);
    const pending = await buildInvitedGuest(server, { inviter: owner, conversationId: conversation.id, name: 'Ivan Invited' });
    const revoked = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id], name: 'Rita Revoked' });
    await server.gql(REVOKE, { input: { guestId: actorGlobalId(revoked.actor) } }, owner.token);

    const response = await server.gql(
      `{ organization { guestUsage { memberCount guestsPerMember guestLimit guestCount conversationsPerGuest }
                        guests { name email status invitedBy { name } conversationCount conversationLimit } } }`,
      {},
      member.token,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data.organization).toEqual({
      guestUsage: { memberCount: 2, guestsPerMember: 5, guestLimit: 10, guestCount: 2, conversationsPerGuest: 5 },
      guests: [
        { name: 'Ana Active', email: active.email, status: 'ACTIVE', invitedBy: { name: 'Max Member' }, conversationCount: 2, conversationLimit: 5 },
        { name: 'Ivan Invited', email: pending.email, status: 'INVITED', invitedBy: { name: 'Olivia Owner' }, conversationCount: 1, conversationLimit: 5 },
        { name: 'Rita Revoked', email: revoked.email, status: 'REVOKED', invitedBy: { name: 'Olivia Owner' }, conversationCount: 0, conversationLimit: 5 },
      ],
    });
  });

  it('marks guests with isGuest and their inviter wherever members meet them', async () => {
    const { owner, member, conversation } = await setup();
    const guest = await buildGuest(server, { inviter: member, conversationIds: [conversation.id], name: 'Gina Guest' });
    const response = await server.gql(
      `query ($id: ID!) { conversation(id: $id) { participants { __typename name isGuest ... on Guest { invitedBy { name } } } } }`,
      { id: gid(conversation) },
      owner.token,
    );
    expect(response.data.conversation.participants).toEqual([
      { __typename: 'User', name: 'Olivia Owner', isGuest: false },
      { __typename: 'Guest', name: 'Gina Guest', isGuest: true, invitedBy: { name: 'Max Member' } },
    ]);
    const node = await server.gql(`query ($id: ID!) { node(id: $id) { ... on Guest { isGuest invitedBy { name } } } }`, { id: actorGlobalId(guest.actor) }, owner.token);
    expect(node.data.node).toEqual({ isGuest: true, invitedBy: { name: 'Max Member' } });
  });
});

describe('mentions', () => {
  async function mentionScene() {
    const { owner, member, conversation } = await setup();
    const bystander = await buildMember(server, { inviter: owner, name: 'Bea Bystander' });
    await buildComment(server, { author: member, conversationId: conversation.id, body: 'Joining.' });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id], name: 'Gina Guest' });
    const coGuest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id], name: 'Carl Coguest' });
    const elsewhere = await buildGuest(server, { inviter: owner, name: 'Elsa Elsewhere' });
    return { owner, member, bystander, conversation, guest, coGuest, elsewhere };
  }

  const commentCount = async (as: Session, conversation: { id: string }) =>
    (await server.gql(COMMENTS, { id: gid(conversation) }, as.token)).data.conversation.comments.totalCount as number;

  it('lets a guest mention the members and guests present', async () => {
    const { member, owner, conversation, guest, coGuest } = await mentionScene();
    const response = await server.gql(
      POST,
      { input: { conversationId: gid(conversation), body: '@Max @Olivia @Carl please check', mentionIds: [actorGlobalId(member.actor), actorGlobalId(owner.actor), actorGlobalId(coGuest.actor)] } },
      guest.token,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data.postComment.mentions).toEqual([
      { __typename: 'User', name: 'Max Member' },
      { __typename: 'User', name: 'Olivia Owner' },
      { __typename: 'Guest', name: 'Carl Coguest' },
    ]);
  });

  it.each([
    ['a member who is not a participant', (s: Awaited<ReturnType<typeof mentionScene>>) => actorGlobalId(s.bystander.actor)],
    ['a guest of another conversation', (s: Awaited<ReturnType<typeof mentionScene>>) => actorGlobalId(s.elsewhere.actor)],
    ['something that is not an actor', (s: Awaited<ReturnType<typeof mentionScene>>) => gid(s.conversation)],
  ])('refuses a guest mentioning %s with MENTION_NOT_ALLOWED and posts nothing', async (_label, target) => {
    const scene = await mentionScene();
    const before = await commentCount(scene.owner, scene.conversation);
    const response = await server.gql(
      POST,
      { input: { conversationId: gid(scene.conversation), body: 'Hello', mentionIds: [actorGlobalId(scene.member.actor), target(scene)] } },
      scene.guest.token,
    );
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['MENTION_NOT_ALLOWED']);
    expect(await commentCount(scene.owner, scene.conversation)).toBe(before);
  });

  it('lets a member mention any member, who then takes part, but not a guest without access', async () => {
    const { member, bystander, conversation, elsewhere, owner, guest } = await mentionScene();
    const before = await commentCount(owner, conversation);
    const refused = await server.gql(
      POST,
      { input: { conversationId: gid(conversation), body: 'Hi', mentionIds: [actorGlobalId(elsewhere.actor)] } },
      member.token,
    );
    expect(codes(refused)).toEqual(['MENTION_NOT_ALLOWED']);
    expect(await commentCount(owner, conversation)).toBe(before);

    const ok = await server.gql(
      POST,
      { input: { conversationId: gid(conversation), body: 'Bea, Gina: see above', mentionIds: [actorGlobalId(bystander.actor), actorGlobalId(guest.actor)] } },
      member.token,
    );
    expect(ok.data.postComment.mentions).toEqual([
      { __typename: 'User', name: 'Bea Bystander' },
      { __typename: 'Guest', name: 'Gina Guest' },
    ]);
    // Now present, so the guest may mention Bea too.
    const guestMention = await server.gql(
      POST,
      { input: { conversationId: gid(conversation), body: 'Thanks Bea', mentionIds: [actorGlobalId(bystander.actor)] } },
      guest.token,
    );
    expect(guestMention.data.postComment.mentions).toEqual([{ __typename: 'User', name: 'Bea Bystander' }]);
  });
});

/** The database id behind a Guest global ID (for the one assertion that reads the database). */
function guestDbId(globalId: string): string {
  return Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;
}

describe('the lifecycle under concurrency', () => {
  it('an acceptance racing a revocation ends REVOKED with no live session, and never fails otherwise', async () => {
    const { owner, conversation } = await setup();
    for (let round = 0; round < 8; round += 1) {
      const { guest, invitationUrl } = await buildInvitedGuest(server, { inviter: owner, conversationId: conversation.id });
      const [accepted, revoked] = await Promise.all([
        accept(invitationUrl),
        server.gql(REVOKE, { input: { guestId: actorGlobalId(guest) } }, owner.token),
      ]);
      expect(revoked.data.revokeGuest.status).toBe('REVOKED');
      if (accepted.errors) {
        expect(codes(accepted)).toEqual(['INVITATION_INVALID']);
      } else {
        expect(codes(await server.gql(`{ viewer { id } }`, {}, accepted.data.acceptInvitation.token))).toEqual(['UNAUTHENTICATED']);
      }
    }
  });

  it('an acceptance racing a second invitation ends with one ACTIVE or INVITED guest in both conversations', async () => {
    const { owner, conversation } = await setup();
    for (let round = 0; round < 4; round += 1) {
      const second = await buildConversation(server, { creator: owner });
      const { guest, invitationUrl, email } = await buildInvitedGuest(server, { inviter: owner, conversationId: conversation.id });
      const [accepted, invited] = await Promise.all([accept(invitationUrl), invite(owner, second, email)]);
      expect(invited.errors).toBeUndefined();
      expect(invited.data.inviteGuest.guest.conversationCount).toBe(2);
      if (accepted.errors) {
        // The second invitation replaced the link first.
        expect(codes(accepted)).toEqual(['INVITATION_INVALID']);
        expect(invited.data.inviteGuest.guest.status).toBe('INVITED');
      } else {
        expect(accepted.data.acceptInvitation.viewer.id).toBe(actorGlobalId(guest));
      }
    }
  });
});
