import { toGlobalId } from '../../src/ids';
import { conversationId, countRows, guestId, ok, userId } from '../support/api';
import { buildConversation, buildGuest, buildMember, buildOrganization, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const CONVERSATION_FIELDS = `
  id kind subject closed createdAt updatedAt
  team { id name }
  assignees { id name }
  labels allowGuests
  participants { __typename id name isGuest }
  guests { id }
  viewerCanComment viewerCanReply viewerCanManage viewerCanInviteGuests`;

const CREATE = `mutation ($input: CreateConversationInput!) { createConversation(input: $input) { ${CONVERSATION_FIELDS} } }`;
const CREATE_CHAT_ROOM = `mutation ($input: CreateChatRoomInput!) { createChatRoom(input: $input) { ${CONVERSATION_FIELDS} } }`;
const UPDATE = `mutation ($input: UpdateConversationInput!) { updateConversation(input: $input) { ${CONVERSATION_FIELDS} } }`;
const GET = `query ($id: ID!) { conversation(id: $id) { ${CONVERSATION_FIELDS} } }`;
const CREATE_TEAM = `mutation ($input: CreateTeamInput!) { createTeam(input: $input) { id name } }`;

async function createTeam(owner: Session, name = 'Sales'): Promise<{ id: string; name: string }> {
  return ok(await server.gql(CREATE_TEAM, { input: { name } }, owner.token)).createTeam;
}

async function conversationCount(owner: Session): Promise<number> {
  return ok(await server.gql(`{ conversations { totalCount } }`, {}, owner.token)).conversations.totalCount;
}

describe('createConversation', () => {
  it('creates a thread whose creator is its first participant', async () => {
    const owner = await buildOrganization(server);
    const member = await buildMember(server, { inviter: owner, name: 'Mia' });
    const response = await server.gql(CREATE, { input: { subject: '  Office move  ' } }, member.token);
    const conversation = ok(response).createConversation;
    expect(conversation).toMatchObject({
      kind: 'THREAD',
      subject: 'Office move',
      closed: false,
      team: null,
      assignees: [],
      labels: [],
      allowGuests: true,
      guests: [],
      participants: [{ __typename: 'User', id: userId(member.actor), name: 'Mia', isGuest: false }],
      viewerCanComment: true,
      viewerCanReply: true,
      viewerCanManage: true,
    });
    expect(Date.parse(conversation.createdAt)).not.toBeNaN();

    const read = await server.gql(GET, { id: conversation.id }, owner.token);
    expect(ok(read).conversation).toEqual(conversation);
  });

  it('creates a conversation without a subject', async () => {
    const owner = await buildOrganization(server);
    const response = await server.gql(CREATE, { input: {} }, owner.token);
    expect(ok(response).createConversation).toMatchObject({ kind: 'THREAD', subject: null });
  });

  it('files the conversation under a team of the organization', async () => {
    const owner = await buildOrganization(server);
    const team = await createTeam(owner, 'Support');
    const response = await server.gql(CREATE, { input: { subject: 'Broken invoice', teamId: team.id } }, owner.token);
    expect(ok(response).createConversation.team).toEqual({ id: team.id, name: 'Support' });
  });

  it.each([
    ['an unknown team', () => toGlobalId('Team', '00000000-0000-4000-8000-000000000000')],
    ['a malformed team ID', () => 'not-a-team'],
    ['an empty team ID', () => ''],
    ['a conversation ID given as the team', () => toGlobalId('Conversation', '00000000-0000-4000-8000-000000000000')],
  ])('answers NOT_FOUND for %s and creates nothing', async (_label, teamId) => {
    const owner = await buildOrganization(server);
    const response = await server.gql(CREATE, { input: { subject: 'x', teamId: teamId() } }, owner.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['NOT_FOUND']);
    expect(await conversationCount(owner)).toBe(0);
  });

  it("answers NOT_FOUND for another organization's team and creates nothing", async () => {
    const owner = await buildOrganization(server);
    const theirs = await createTeam(await buildOrganization(server));
    const response = await server.gql(CREATE, { input: { teamId: theirs.id } }, owner.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['NOT_FOUND']);
    expect(await conversationCount(owner)).toBe(0);
  });

  it.each([
    ['longer than 998 characters', 'x'.repeat(999)],
    ['with a NUL character', 'Office\u0000move'],
  ])('refuses a subject %s with BAD_USER_INPUT and creates nothing', async (_label, subject) => {
    const owner = await buildOrganization(server);
    const response = await server.gql(CREATE, { input: { subject } }, owner.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await conversationCount(owner)).toBe(0);
  });

  it('forbids a guest and refuses an anonymous caller', async () => {
    const owner = await buildOrganization(server);
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [] });
    const before = await conversationCount(owner);
    const asGuest = await server.gql(CREATE, { input: { subject: 'x' } }, guest.token);
    expect(asGuest.data).toBeNull();
    expect(codes(asGuest)).toEqual(['FORBIDDEN']);
    const anonymous = await server.gql(CREATE, { input: { subject: 'x' } });
    expect(anonymous.data).toBeNull();
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(await conversationCount(owner)).toBe(before);
  });
});

describe('createChatRoom', () => {
  it('makes every member a participant, in order of joining, and never takes guests', async () => {
    const owner = await buildOrganization(server, { name: 'Olivia' });
    const first = await buildMember(server, { inviter: owner, name: 'First' });
    const second = await buildMember(server, { inviter: owner, name: 'Second', role: 'ADMIN' });
    await buildGuest(server, { inviter: owner, conversationIds: [] });
    const response = await server.gql(CREATE_CHAT_ROOM, { input: { name: ' #general ' } }, second.token);
    const room = ok(response).createChatRoom;
    expect(room).toMatchObject({
      kind: 'CHAT_ROOM',
      subject: '#general',
      allowGuests: false,
      guests: [],
      viewerCanComment: true,
      viewerCanReply: false,
      viewerCanInviteGuests: false,
    });
    expect(room.participants.map((p: { id: string }) => p.id)).toEqual([userId(owner.actor), userId(first.actor), userId(second.actor)]);

    // Every member means members who join later too.
    const late = await buildMember(server, { inviter: owner, name: 'Late' });
    const read = ok(await server.gql(GET, { id: room.id }, late.token)).conversation;
    expect(read.participants.map((p: { name: string }) => p.name)).toEqual(['Olivia', 'First', 'Second', 'Late']);
  });

  it('refuses an empty name and creates nothing', async () => {
    const owner = await buildOrganization(server);
    const response = await server.gql(CREATE_CHAT_ROOM, { input: { name: '   ' } }, owner.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await conversationCount(owner)).toBe(0);
  });

  it('forbids a guest', async () => {
    const owner = await buildOrganization(server);
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [] });
    const response = await server.gql(CREATE_CHAT_ROOM, { input: { name: 'x' } }, guest.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
  });

  it('refuses to open a chat room to guests with GUEST_NOT_ALLOWED', async () => {
    const owner = await buildOrganization(server);
    const room = ok(await server.gql(CREATE_CHAT_ROOM, { input: { name: 'random' } }, owner.token)).createChatRoom;
    const response = await server.gql(UPDATE, { input: { id: room.id, allowGuests: true, subject: 'renamed' } }, owner.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['GUEST_NOT_ALLOWED']);
    expect(ok(await server.gql(GET, { id: room.id }, owner.token)).conversation).toMatchObject({ subject: 'random', allowGuests: false });
  });
});

describe('updateConversation', () => {
  let owner: Session;
  let mia: Session;
  let max: Session;
  beforeAll(async () => {
    owner = await buildOrganization(server, { name: 'Olivia' });
    mia = await buildMember(server, { inviter: owner, name: 'Mia' });
    max = await buildMember(server, { inviter: owner, name: 'Max' });
  });

  it('changes the subject and closes and reopens the conversation', async () => {
    const conversation = await buildConversation(server, { creator: owner, subject: 'Old' });
    const id = conversationId(conversation.id);
    const closed = ok(await server.gql(UPDATE, { input: { id, subject: ' New ', closed: true } }, mia.token)).updateConversation;
    expect(closed).toMatchObject({ id, subject: 'New', closed: true });
    expect(Date.parse(closed.updatedAt)).toBeGreaterThanOrEqual(conversation.updatedAt.getTime());
    // Fields left out keep their value.
    const reopened = ok(await server.gql(UPDATE, { input: { id, closed: false } }, mia.token)).updateConversation;
    expect(reopened).toMatchObject({ subject: 'New', closed: false });
  });

  it('sets the team, keeps it when teamId is left out, and clears it with null', async () => {
    const team = await createTeam(owner, 'Billing');
    const id = conversationId((await buildConversation(server, { creator: owner })).id);
    expect(ok(await server.gql(UPDATE, { input: { id, teamId: team.id } }, mia.token)).updateConversation.team).toEqual(team);
    expect(ok(await server.gql(UPDATE, { input: { id, closed: true } }, mia.token)).updateConversation.team).toEqual(team);
    expect(ok(await server.gql(UPDATE, { input: { id, teamId: null } }, mia.token)).updateConversation.team).toBeNull();
  });

  it("answers NOT_FOUND for an unknown or another organization's team and changes nothing", async () => {
    const team = await createTeam(owner, 'Kept');
    const theirs = await createTeam(await buildOrganization(server));
    const id = conversationId((await buildConversation(server, { creator: owner, subject: 'Before' })).id);
    ok(await server.gql(UPDATE, { input: { id, teamId: team.id } }, mia.token));
    for (const teamId of [theirs.id, toGlobalId('Team', '00000000-0000-4000-8000-000000000000'), '']) {
      const response = await server.gql(UPDATE, { input: { id, teamId, subject: 'After' } }, mia.token);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['NOT_FOUND']);
    }
    expect(ok(await server.gql(GET, { id }, owner.token)).conversation).toMatchObject({ subject: 'Before', team });
  });

  it('replaces the assignees, who become participants in order of arrival', async () => {
    const id = conversationId((await buildConversation(server, { creator: owner })).id);
    const first = ok(await server.gql(UPDATE, { input: { id, assigneeIds: [userId(max.actor), userId(mia.actor)] } }, owner.token));
    expect(first.updateConversation.assignees).toEqual([
      { id: userId(max.actor), name: 'Max' },
      { id: userId(mia.actor), name: 'Mia' },
    ]);
    expect(first.updateConversation.participants.map((p: { name: string }) => p.name)).toEqual(['Olivia', 'Max', 'Mia']);

    const second = ok(await server.gql(UPDATE, { input: { id, assigneeIds: [userId(mia.actor), userId(mia.actor)] } }, owner.token));
    expect(second.updateConversation.assignees).toEqual([{ id: userId(mia.actor), name: 'Mia' }]);
    // Having taken part, Max stays a participant.
    expect(second.updateConversation.participants.map((p: { name: string }) => p.name)).toEqual(['Olivia', 'Max', 'Mia']);

    const none = ok(await server.gql(UPDATE, { input: { id, assigneeIds: [] } }, owner.token));
    expect(none.updateConversation.assignees).toEqual([]);
  });

  it('refuses a guest as assignee with BAD_USER_INPUT and changes nothing', async () => {
    const conversation = await buildConversation(server, { creator: owner, subject: 'Before' });
    const id = conversationId(conversation.id);
    ok(await server.gql(UPDATE, { input: { id, assigneeIds: [userId(mia.actor)] } }, owner.token));
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const response = await server.gql(UPDATE, { input: { id, subject: 'After', assigneeIds: [guestId(guest.actor)] } }, owner.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    const after = ok(await server.gql(GET, { id }, owner.token)).conversation;
    expect(after.subject).toBe('Before');
    expect(after.assignees).toEqual([{ id: userId(mia.actor), name: 'Mia' }]);
  });

  it('answers NOT_FOUND for an unknown, malformed or foreign assignee and changes nothing', async () => {
    const id = conversationId((await buildConversation(server, { creator: owner, subject: 'Before' })).id);
    const stranger = await buildOrganization(server);
    for (const assignee of [toGlobalId('User', '00000000-0000-4000-8000-000000000000'), 'garbage', userId(stranger.actor)]) {
      const response = await server.gql(UPDATE, { input: { id, subject: 'After', assigneeIds: [userId(mia.actor), assignee] } }, owner.token);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['NOT_FOUND']);
    }
    const after = ok(await server.gql(GET, { id }, owner.token)).conversation;
    expect(after).toMatchObject({ subject: 'Before', assignees: [] });
    expect(after.participants.map((p: { name: string }) => p.name)).toEqual(['Olivia']);
  });

  it('trims and de-duplicates labels, and replaces them', async () => {
    const id = conversationId((await buildConversation(server, { creator: owner })).id);
    const labels = ok(await server.gql(UPDATE, { input: { id, labels: [' urgent ', 'vip', 'urgent', 'vip '] } }, owner.token));
    expect(labels.updateConversation.labels).toEqual(['urgent', 'vip']);
    const replaced = ok(await server.gql(UPDATE, { input: { id, labels: ['later'] } }, owner.token));
    expect(replaced.updateConversation.labels).toEqual(['later']);
    const cleared = ok(await server.gql(UPDATE, { input: { id, labels: [] } }, owner.token));
    expect(cleared.updateConversation.labels).toEqual([]);
  });

  it.each([
    ['more than 50 labels', Array.from({ length: 51 }, (_, i) => `label-${i}`)],
    ['an empty label', ['ok', '  ']],
    ['a label longer than 50 characters', ['x'.repeat(51)]],
    ['a label with a NUL character', ['a\u0000b']],
  ])('refuses %s with BAD_USER_INPUT and changes nothing', async (_label, labels) => {
    const id = conversationId((await buildConversation(server, { creator: owner })).id);
    ok(await server.gql(UPDATE, { input: { id, labels: ['kept'] } }, owner.token));
    const response = await server.gql(UPDATE, { input: { id, labels, closed: true } }, owner.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(ok(await server.gql(GET, { id }, owner.token)).conversation).toMatchObject({ labels: ['kept'], closed: false });
  });

  it('closes a thread to guests: allowGuests false removes every guest', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const id = conversationId(conversation.id);
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id], name: 'Gus' });
    const before = ok(await server.gql(GET, { id }, owner.token)).conversation;
    expect(before.guests).toEqual([{ id: guestId(guest.actor) }]);
    expect(before.participants.map((p: { name: string }) => p.name)).toEqual(['Olivia', 'Gus']);
    const after = ok(await server.gql(UPDATE, { input: { id, allowGuests: false } }, owner.token)).updateConversation;
    expect(after).toMatchObject({ allowGuests: false, guests: [], viewerCanInviteGuests: false });
    expect(after.participants.map((p: { name: string }) => p.name)).toEqual(['Olivia']);
    const asGuest = await server.gql(GET, { id }, guest.token);
    expect(codes(asGuest)).toEqual(['NOT_FOUND']);
  });

  it('answers NOT_FOUND for an unknown, malformed or foreign conversation', async () => {
    const theirs = await buildConversation(server);
    for (const id of [conversationId('00000000-0000-4000-8000-000000000000'), 'nope', conversationId(theirs.id), userId(mia.actor)]) {
      const response = await server.gql(UPDATE, { input: { id, subject: 'Mine now' } }, owner.token);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['NOT_FOUND']);
    }
    expect(await countRows(server, 'conversations', 'id = $1 AND subject = $2', [theirs.id, 'Quote for the new office'])).toBe(1);
  });

  it('forbids a guest, even one with access', async () => {
    const conversation = await buildConversation(server, { creator: owner, subject: 'Before' });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const response = await server.gql(UPDATE, { input: { id: conversationId(conversation.id), subject: 'After' } }, guest.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(await countRows(server, 'conversations', 'id = $1 AND subject = $2', [conversation.id, 'Before'])).toBe(1);
  });
});

describe('conversation(id)', () => {
  it("answers NOT_FOUND with null for another organization's conversation, a malformed ID and an ID of another type", async () => {
    const owner = await buildOrganization(server);
    const theirs = await buildConversation(server);
    for (const id of [conversationId(theirs.id), 'x', userId(owner.actor), conversationId('00000000-0000-4000-8000-000000000000')]) {
      const response = await server.gql(`query ($id: ID!) { conversation(id: $id) { id } }`, { id }, owner.token);
      expect(response.data).toEqual({ conversation: null });
      expect(codes(response)).toEqual(['NOT_FOUND']);
    }
  });

  it('shows a guest only the conversations they have access to, and null with FORBIDDEN on members-only fields', async () => {
    const owner = await buildOrganization(server);
    const mine = await buildConversation(server, { creator: owner, subject: 'Shared' });
    const other = await buildConversation(server, { creator: owner, subject: 'Private' });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [mine.id] });
    const shared = await server.gql(
      `query ($id: ID!) { conversation(id: $id) { subject labels viewerCanComment viewerCanReply viewerCanManage } }`,
      { id: conversationId(mine.id) },
      guest.token,
    );
    expect(shared.data).toEqual({
      conversation: { subject: 'Shared', labels: null, viewerCanComment: true, viewerCanReply: false, viewerCanManage: false },
    });
    expect(codes(shared)).toEqual(['FORBIDDEN']);
    expect(shared.errors![0]!.path).toEqual(['conversation', 'labels']);
    const hidden = await server.gql(`query ($id: ID!) { conversation(id: $id) { subject } }`, { id: conversationId(other.id) }, guest.token);
    expect(hidden.data).toEqual({ conversation: null });
    expect(codes(hidden)).toEqual(['NOT_FOUND']);
  });
});
