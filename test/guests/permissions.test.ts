import { randomUUID } from 'node:crypto';
import { toGlobalId } from '../../src/ids';
import { actorGlobalId } from '../support/api';
import {
  buildGuest,
  buildGuestScene,
  buildInvitedGuest,
  buildMember,
  buildOrganization,
  invitationToken,
  PASSWORD,
  uniqueEmail,
  type GuestScene,
  type Session,
} from '../support/factories';
import { codes, startServer, type GraphQLResponse, type TestServer } from '../support/server';

/**
 * SPEC §3 as a table: every query and mutation of the contract, run over HTTP
 * by each role, with the outcome the spec gives. Each cell asserts real data
 * or the exact error code.
 */

let server: TestServer;
let scene: GuestScene;
beforeAll(async () => {
  server = await startServer();
  scene = await buildGuestScene(server);
});
afterAll(() => server?.stop());

const ROLES = ['OWNER', 'ADMIN', 'MEMBER', 'GUEST_WITH_ACCESS', 'GUEST_WITHOUT_ACCESS', 'ANONYMOUS'] as const;
type Role = (typeof ROLES)[number];

const LABELS: Record<Role, string> = {
  OWNER: 'an owner',
  ADMIN: 'an admin',
  MEMBER: 'a member',
  GUEST_WITH_ACCESS: 'a guest with access',
  GUEST_WITHOUT_ACCESS: 'a guest without access',
  ANONYMOUS: 'someone without a token',
};

function sessionOf(role: Role): Session | null {
  switch (role) {
    case 'OWNER':
      return scene.owner;
    case 'ADMIN':
      return scene.admin;
    case 'MEMBER':
      return scene.member;
    case 'GUEST_WITH_ACCESS':
      return scene.guest;
    case 'GUEST_WITHOUT_ACCESS':
      return scene.otherGuest;
    case 'ANONYMOUS':
      return null;
  }
}

/** What a role gets: data (checked), a root error code, or data with one field FORBIDDEN at a path. */
type Outcome =
  | { kind: 'data'; check: (data: any, role: Role) => void }
  | { kind: 'error'; code: string }
  | { kind: 'gated'; path: (string | number)[]; check: (data: any, role: Role) => void };

const data = (check: (data: any, role: Role) => void): Outcome => ({ kind: 'data', check });
const fails = (code: string): Outcome => ({ kind: 'error', code });
const gated = (path: (string | number)[], check: (data: any, role: Role) => void): Outcome => ({ kind: 'gated', path, check });

interface Row {
  name: string;
  /** The root field, null whenever the operation fails. */
  field: string;
  document: string;
  variables?: (role: Role) => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** The bearer token to send, when it is not the role's own. */
  token?: (role: Role) => Promise<string | null>;
  outcomes: Record<Role, Outcome>;
}

const id = {
  conversation: (entity: { id: string }) => toGlobalId('Conversation', entity.id),
  missing: (type: Parameters<typeof toGlobalId>[0]) => toGlobalId(type, randomUUID()),
};

/** Outcomes by group: members (owner, admin, member), each guest, and the anonymous caller. */
function outcomes(groups: {
  members?: Outcome;
  owner?: Outcome;
  admin?: Outcome;
  member?: Outcome;
  guests?: Outcome;
  guestWithAccess?: Outcome;
  guestWithoutAccess?: Outcome;
  anonymous?: Outcome;
}): Record<Role, Outcome> {
  const pick = (...candidates: (Outcome | undefined)[]) => {
    const found = candidates.find(Boolean);
    if (!found) throw new Error('matrix row without an outcome for a role');
    return found;
  };
  return {
    OWNER: pick(groups.owner, groups.members),
    ADMIN: pick(groups.admin, groups.members),
    MEMBER: pick(groups.member, groups.members),
    GUEST_WITH_ACCESS: pick(groups.guestWithAccess, groups.guests),
    GUEST_WITHOUT_ACCESS: pick(groups.guestWithoutAccess, groups.guests),
    ANONYMOUS: pick(groups.anonymous, fails('UNAUTHENTICATED')),
  };
}

const ids = (nodes: { id: string }[]) => nodes.map((node) => node.id);

const QUERIES: Row[] = [
  {
    name: 'viewer',
    field: 'viewer',
    document: `{ viewer { __typename id name isGuest ... on User { email role } ... on Guest { email status conversations { id } } } }`,
    outcomes: outcomes({
      members: data((d, role) => {
        const self = sessionOf(role)!;
        expect(d.viewer).toEqual({ __typename: 'User', id: actorGlobalId(self.actor), name: self.actor.name, isGuest: false, email: self.email, role });
      }),
      guests: data((d, role) => {
        const self = sessionOf(role)!;
        const own = role === 'GUEST_WITH_ACCESS' ? scene.thread : scene.otherThread;
        expect(d.viewer).toEqual({
          __typename: 'Guest',
          id: actorGlobalId(self.actor),
          name: self.actor.name,
          isGuest: true,
          email: self.email,
          status: 'ACTIVE',
          conversations: [{ id: id.conversation(own) }],
        });
      }),
    }),
  },
  {
    name: 'organization',
    field: 'organization',
    document: `{ organization { id name } }`,
    outcomes: outcomes({
      members: data((d) => expect(d.organization).toEqual({ id: toGlobalId('Organization', scene.owner.viewer.organizationId), name: 'Acme' })),
      guests: data((d) => expect(d.organization).toEqual({ id: toGlobalId('Organization', scene.owner.viewer.organizationId), name: 'Acme' })),
    }),
  },
  ...(
    [
      ['members', '{ name role }', (list: any[]) => expect(list.map((m) => m.name)).toEqual(expect.arrayContaining(['Olivia Owner', 'Ada Admin', 'Max Member']))],
      [
        'guests',
        '{ name email status }',
        (list: any[]) => expect(list).toEqual(expect.arrayContaining([{ name: 'Gina Guest', email: scene.guest.email, status: 'ACTIVE' }])),
      ],
      [
        'guestUsage',
        '{ memberCount guestsPerMember guestLimit guestCount conversationsPerGuest }',
        (usage: any) => expect(usage).toMatchObject({ guestsPerMember: 5, guestLimit: usage.memberCount * 5, conversationsPerGuest: 5 }),
      ],
      ['guestSettings', '{ enabled whoCanInvite }', (settings: any) => expect(settings).toEqual({ enabled: true, whoCanInvite: 'MEMBERS' })],
      ['teams', '{ name isDefault }', (teams: any[]) => expect(teams).toEqual([{ name: 'Legal', isDefault: false }])],
    ] as const
  ).map(
    ([fieldName, selection, check]): Row => ({
      name: `organization.${fieldName} (members only)`,
      field: 'organization',
      document: `{ organization { name ${fieldName} ${selection} } }`,
      outcomes: outcomes({
        members: data((d) => {
          expect(d.organization.name).toBe('Acme');
          (check as (value: any) => void)(d.organization[fieldName]);
        }),
        guests: gated(['organization', fieldName], (d) => expect(d.organization).toEqual({ name: 'Acme', [fieldName]: null })),
      }),
    }),
  ),
  {
    name: 'conversations',
    field: 'conversations',
    document: `{ conversations(first: 100) { totalCount nodes { id subject } } }`,
    outcomes: outcomes({
      members: data((d) => {
        expect(ids(d.conversations.nodes)).toEqual(
          expect.arrayContaining([id.conversation(scene.thread), id.conversation(scene.otherThread), id.conversation(scene.chatRoom)]),
        );
        expect(d.conversations.totalCount).toBe(d.conversations.nodes.length);
      }),
      guestWithAccess: data((d) =>
        expect(d.conversations).toEqual({ totalCount: 1, nodes: [{ id: id.conversation(scene.thread), subject: 'Lease renewal' }] }),
      ),
      guestWithoutAccess: data((d) =>
        expect(d.conversations).toEqual({ totalCount: 1, nodes: [{ id: id.conversation(scene.otherThread), subject: 'Budget 2027' }] }),
      ),
    }),
  },
  {
    name: 'conversation (the page: messages, comments, tasks, participants, guests, capabilities)',
    field: 'conversation',
    document: `query ($id: ID!) { conversation(id: $id) {
      id kind subject closed createdAt updatedAt
      messages { totalCount nodes { id channel direction from to cc subject body sentAt author { name } attachments { id } } }
      comments { totalCount nodes { id body createdAt author { __typename name isGuest } mentions { name } attachments { id } conversation { id } } }
      tasks { id title done assignee { name } dueAt createdAt }
      participants { __typename name isGuest }
      guests { name status isGuest invitedBy { name } conversationCount conversationLimit }
      viewerCanComment viewerCanReply viewerCanManage viewerCanInviteGuests } }`,
    variables: () => ({ id: id.conversation(scene.thread) }),
    outcomes: outcomes({
      members: data((d) => {
        const c = d.conversation;
        expect(c).toMatchObject({ id: id.conversation(scene.thread), kind: 'THREAD', subject: 'Lease renewal', closed: false });
        expect(c.messages.nodes[0]).toMatchObject({ from: 'jane@lawfirm.test', body: 'Please find our comments below.' });
        expect(c.comments.nodes[0]).toMatchObject({ body: 'Let us ask the lawyer.', author: { __typename: 'User', name: 'Max Member' } });
        expect(c.tasks[0]).toMatchObject({ title: 'Check clause 4', assignee: { name: 'Max Member' } });
        expect(c.participants.slice(0, 4)).toEqual([
          { __typename: 'User', name: 'Olivia Owner', isGuest: false },
          { __typename: 'User', name: 'Max Member', isGuest: false },
          { __typename: 'Guest', name: 'Gina Guest', isGuest: true },
          { __typename: 'Guest', name: 'Carl Coguest', isGuest: true },
        ]);
        expect(c.guests.slice(0, 2)).toEqual([
          { name: 'Gina Guest', status: 'ACTIVE', isGuest: true, invitedBy: { name: 'Max Member' }, conversationCount: 1, conversationLimit: 5 },
          { name: 'Carl Coguest', status: 'ACTIVE', isGuest: true, invitedBy: { name: 'Olivia Owner' }, conversationCount: 1, conversationLimit: 5 },
        ]);
        expect(c).toMatchObject({ viewerCanComment: true, viewerCanReply: true, viewerCanManage: true, viewerCanInviteGuests: true });
      }),
      guestWithAccess: data((d) => {
        const c = d.conversation;
        expect(c).toMatchObject({ id: id.conversation(scene.thread), subject: 'Lease renewal' });
        expect(c.messages.totalCount).toBe(1);
        expect(c.comments.nodes[0]).toMatchObject({ body: 'Let us ask the lawyer.', conversation: { id: id.conversation(scene.thread) } });
        expect(c.tasks[0]).toMatchObject({ title: 'Check clause 4' });
        expect(c.participants.map((p: any) => p.name)).toEqual(expect.arrayContaining(['Olivia Owner', 'Max Member', 'Gina Guest', 'Carl Coguest']));
        expect(c).toMatchObject({ viewerCanComment: true, viewerCanReply: false, viewerCanManage: false, viewerCanInviteGuests: false });
      }),
      guestWithoutAccess: fails('NOT_FOUND'),
    }),
  },
  ...(
    [
      ['team', 'team { name }', { name: 'Legal' }],
      ['assignees', 'assignees { name }', [{ name: 'Max Member' }]],
      ['labels', 'labels', ['legal']],
      ['allowGuests', 'allowGuests', true],
    ] as const
  ).map(
    ([fieldName, selection, expected]): Row => ({
      name: `Conversation.${fieldName} (members only)`,
      field: 'conversation',
      document: `query ($id: ID!) { conversation(id: $id) { subject ${selection} } }`,
      variables: () => ({ id: id.conversation(scene.thread) }),
      outcomes: outcomes({
        members: data((d) => expect(d.conversation).toEqual({ subject: 'Lease renewal', [fieldName]: expected })),
        guestWithAccess: gated(['conversation', fieldName], (d) => expect(d.conversation).toEqual({ subject: 'Lease renewal', [fieldName]: null })),
        guestWithoutAccess: fails('NOT_FOUND'),
      }),
    }),
  ),
  {
    name: 'Message.bcc (members only)',
    field: 'conversation',
    document: `query ($id: ID!) { conversation(id: $id) { messages { nodes { from bcc } } } }`,
    variables: () => ({ id: id.conversation(scene.thread) }),
    outcomes: outcomes({
      members: data((d) => expect(d.conversation.messages.nodes).toEqual([{ from: 'jane@lawfirm.test', bcc: ['audit@acme.test'] }])),
      guestWithAccess: gated(['conversation', 'messages', 'nodes', 0, 'bcc'], (d) =>
        expect(d.conversation.messages.nodes).toEqual([{ from: 'jane@lawfirm.test', bcc: null }]),
      ),
      guestWithoutAccess: fails('NOT_FOUND'),
    }),
  },
  ...(['email', 'role'] as const).map(
    (fieldName): Row => ({
      name: `User.${fieldName} (members only)`,
      field: 'conversation',
      document: `query ($id: ID!) { conversation(id: $id) { comments { nodes { body author { name ... on User { ${fieldName} } } } } } }`,
      variables: () => ({ id: id.conversation(scene.thread) }),
      outcomes: outcomes({
        members: data((d) =>
          expect(d.conversation.comments.nodes[0]).toEqual({
            body: 'Let us ask the lawyer.',
            author: { name: 'Max Member', [fieldName]: fieldName === 'email' ? scene.member.email : 'MEMBER' },
          }),
        ),
        guestWithAccess: gated(['conversation', 'comments', 'nodes', 0, 'author', fieldName], (d) =>
          expect(d.conversation.comments.nodes[0]).toEqual({ body: 'Let us ask the lawyer.', author: { name: 'Max Member', [fieldName]: null } }),
        ),
        guestWithoutAccess: fails('NOT_FOUND'),
      }),
    }),
  ),
  ...(
    [
      ['email', (session: Session) => session.email],
      ['conversations', () => [{ id: id.conversation(scene.thread) }]],
    ] as const
  ).map(
    ([fieldName, expected]): Row => ({
      name: `Guest.${fieldName} of another guest (members, and the guest themself)`,
      field: 'conversation',
      document: `query ($id: ID!) { conversation(id: $id) { guests { name ${fieldName === 'email' ? 'email' : 'conversations { id }'} } } }`,
      variables: () => ({ id: id.conversation(scene.thread) }),
      outcomes: outcomes({
        members: data((d) =>
          expect(d.conversation.guests.slice(0, 2)).toEqual([
            { name: 'Gina Guest', [fieldName]: expected(scene.guest) },
            { name: 'Carl Coguest', [fieldName]: expected(scene.coGuest) },
          ]),
        ),
        guestWithAccess: gated(['conversation', 'guests', 1, fieldName], (d) =>
          expect(d.conversation.guests.slice(0, 2)).toEqual([
            { name: 'Gina Guest', [fieldName]: expected(scene.guest) },
            { name: 'Carl Coguest', [fieldName]: null },
          ]),
        ),
        guestWithoutAccess: fails('NOT_FOUND'),
      }),
    }),
  ),
];

/** node(id) for each type: what members see, and what each guest sees. */
const NODE_ROWS: Row[] = (
  [
    ['Organization', () => toGlobalId('Organization', scene.owner.viewer.organizationId), '... on Organization { name }', { name: 'Acme' }, 'data', 'data'],
    ['User present in the conversation', () => actorGlobalId(scene.owner.actor), '... on User { name }', { name: 'Olivia Owner' }, 'data', 'NOT_FOUND'],
    ['Guest', () => actorGlobalId(scene.guest.actor), '... on Guest { name }', { name: 'Gina Guest' }, 'data', 'NOT_FOUND'],
    ['Team', () => toGlobalId('Team', scene.team.id), '... on Team { name }', { name: 'Legal' }, 'NOT_FOUND', 'NOT_FOUND'],
    ['Conversation', () => id.conversation(scene.thread), '... on Conversation { subject }', { subject: 'Lease renewal' }, 'data', 'NOT_FOUND'],
    ['chat room', () => id.conversation(scene.chatRoom), '... on Conversation { subject }', { subject: 'General' }, 'NOT_FOUND', 'NOT_FOUND'],
    ['Message', () => toGlobalId('Message', scene.message.id), '... on Message { body }', { body: 'Please find our comments below.' }, 'data', 'NOT_FOUND'],
    ['Comment', () => toGlobalId('Comment', scene.comment.id), '... on Comment { body }', { body: 'Let us ask the lawyer.' }, 'data', 'NOT_FOUND'],
    ['Task', () => toGlobalId('Task', scene.task.id), '... on Task { title }', { title: 'Check clause 4' }, 'data', 'NOT_FOUND'],
  ] as const
).map(
  ([type, nodeId, selection, expected, withAccess, withoutAccess]): Row => {
    const guestOutcome = (kind: 'data' | 'NOT_FOUND') => (kind === 'data' ? data((d) => expect(d.node).toEqual({ id: nodeId(), ...expected })) : fails('NOT_FOUND'));
    return {
      name: `node(id) of a ${type}`,
      field: 'node',
      document: `query ($id: ID!) { node(id: $id) { id ${selection} } }`,
      variables: () => ({ id: nodeId() }),
      outcomes: outcomes({
        members: data((d) => expect(d.node).toEqual({ id: nodeId(), ...expected })),
        guestWithAccess: guestOutcome(withAccess),
        guestWithoutAccess: guestOutcome(withoutAccess),
      }),
    };
  },
);

let counter = 0;
const next = () => (counter += 1);

const MUTATIONS: Row[] = [
  {
    name: 'signUp',
    field: 'signUp',
    document: `mutation ($input: SignUpInput!) { signUp(input: $input) { token viewer { __typename name } } }`,
    variables: () => ({ input: { organizationName: 'Initech', name: 'Ian', email: uniqueEmail('founder'), password: PASSWORD } }),
    outcomes: outcomes({
      members: data((d) => expect(d.signUp.viewer).toEqual({ __typename: 'User', name: 'Ian' })),
      guests: data((d) => expect(d.signUp.viewer).toEqual({ __typename: 'User', name: 'Ian' })),
      anonymous: data((d) => expect(d.signUp.token).toMatch(/^sd_/)),
    }),
  },
  {
    name: 'logIn',
    field: 'logIn',
    document: `mutation ($input: LogInInput!) { logIn(input: $input) { token viewer { __typename name } } }`,
    variables: (role) => ({ input: { email: (sessionOf(role) ?? scene.owner).email, password: PASSWORD } }),
    outcomes: outcomes({
      members: data((d, role) => expect(d.logIn.viewer).toEqual({ __typename: 'User', name: sessionOf(role)!.actor.name })),
      guests: data((d, role) => expect(d.logIn.viewer).toEqual({ __typename: 'Guest', name: sessionOf(role)!.actor.name })),
      anonymous: data((d) => expect(d.logIn.viewer).toEqual({ __typename: 'User', name: 'Olivia Owner' })),
    }),
  },
  {
    name: 'logOut (of a second session of the same person)',
    field: 'logOut',
    document: `mutation { logOut }`,
    token: async (role) => {
      const self = sessionOf(role);
      return self ? (await server.app.services.accounts.logIn({ email: self.email, password: PASSWORD })).token : null;
    },
    outcomes: outcomes({ members: data((d) => expect(d.logOut).toBe(true)), guests: data((d) => expect(d.logOut).toBe(true)) }),
  },
  {
    name: 'inviteMember',
    field: 'inviteMember',
    document: `mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { invitationUrl expiresAt } }`,
    variables: () => ({ input: { email: uniqueEmail('invitee'), role: 'MEMBER' } }),
    outcomes: outcomes({
      members: data((d) => expect(d.inviteMember.invitationUrl).toMatch(/\/invitations\/[^/]+$/)),
      member: fails('FORBIDDEN'),
      guests: fails('FORBIDDEN'),
    }),
  },
  {
    name: 'acceptInvitation (needs no token: the link is the credential)',
    field: 'acceptInvitation',
    document: `mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token viewer { __typename name } } }`,
    variables: async () => {
      const { invitationUrl } = await server.app.services.accounts.inviteMember(scene.owner.viewer, { email: uniqueEmail('joiner'), role: 'MEMBER' });
      return { input: { token: invitationToken(invitationUrl), name: 'Jo Joiner', password: PASSWORD } };
    },
    outcomes: outcomes({
      members: data((d) => expect(d.acceptInvitation.viewer).toEqual({ __typename: 'User', name: 'Jo Joiner' })),
      guests: data((d) => expect(d.acceptInvitation.viewer).toEqual({ __typename: 'User', name: 'Jo Joiner' })),
      anonymous: data((d) => expect(d.acceptInvitation.viewer).toEqual({ __typename: 'User', name: 'Jo Joiner' })),
    }),
  },
  {
    name: 'createConversation',
    field: 'createConversation',
    document: `mutation ($input: CreateConversationInput!) { createConversation(input: $input) { subject kind } }`,
    variables: () => ({ input: { subject: 'New lead' } }),
    outcomes: outcomes({ members: data((d) => expect(d.createConversation).toEqual({ subject: 'New lead', kind: 'THREAD' })), guests: fails('FORBIDDEN') }),
  },
  {
    name: 'createChatRoom',
    field: 'createChatRoom',
    document: `mutation ($input: CreateChatRoomInput!) { createChatRoom(input: $input) { subject kind } }`,
    variables: () => ({ input: { name: 'Random' } }),
    outcomes: outcomes({ members: data((d) => expect(d.createChatRoom).toEqual({ subject: 'Random', kind: 'CHAT_ROOM' })), guests: fails('FORBIDDEN') }),
  },
  {
    name: 'createMessage',
    field: 'createMessage',
    document: `mutation ($input: CreateMessageInput!) { createMessage(input: $input) { direction body } }`,
    variables: () => ({
      input: { conversationId: id.conversation(scene.thread), channel: 'EMAIL', from: 'jane@lawfirm.test', to: ['support@acme.test'], body: 'One more thing.' },
    }),
    outcomes: outcomes({ members: data((d) => expect(d.createMessage).toEqual({ direction: 'INBOUND', body: 'One more thing.' })), guests: fails('FORBIDDEN') }),
  },
  {
    name: 'replyToConversation',
    field: 'replyToConversation',
    document: `mutation ($input: ReplyInput!) { replyToConversation(input: $input) { direction to author { name } } }`,
    variables: () => ({ input: { conversationId: id.conversation(scene.thread), body: 'Thanks, we will look into it.' } }),
    outcomes: outcomes({
      members: data((d, role) =>
        expect(d.replyToConversation).toEqual({ direction: 'OUTBOUND', to: ['jane@lawfirm.test'], author: { name: sessionOf(role)!.actor.name } }),
      ),
      guests: fails('FORBIDDEN'),
    }),
  },
  {
    name: 'updateConversation',
    field: 'updateConversation',
    document: `mutation ($input: UpdateConversationInput!) { updateConversation(input: $input) { subject closed } }`,
    variables: () => ({ input: { id: id.conversation(scene.thread), subject: 'Lease renewal', closed: false } }),
    outcomes: outcomes({ members: data((d) => expect(d.updateConversation).toEqual({ subject: 'Lease renewal', closed: false })), guests: fails('FORBIDDEN') }),
  },
  {
    name: 'postComment',
    field: 'postComment',
    document: `mutation ($input: PostCommentInput!) { postComment(input: $input) { body author { name } conversation { id } } }`,
    variables: (role) => ({ input: { conversationId: id.conversation(scene.thread), body: `Noted by ${role}` } }),
    outcomes: outcomes({
      members: data((d, role) =>
        expect(d.postComment).toEqual({ body: `Noted by ${role}`, author: { name: sessionOf(role)!.actor.name }, conversation: { id: id.conversation(scene.thread) } }),
      ),
      guestWithAccess: data((d) =>
        expect(d.postComment).toEqual({ body: 'Noted by GUEST_WITH_ACCESS', author: { name: 'Gina Guest' }, conversation: { id: id.conversation(scene.thread) } }),
      ),
      guestWithoutAccess: fails('NOT_FOUND'),
    }),
  },
  {
    name: 'createTask',
    field: 'createTask',
    document: `mutation ($input: CreateTaskInput!) { createTask(input: $input) { title done } }`,
    variables: () => ({ input: { conversationId: id.conversation(scene.thread), title: 'Call Jane' } }),
    outcomes: outcomes({ members: data((d) => expect(d.createTask).toEqual({ title: 'Call Jane', done: false })), guests: fails('FORBIDDEN') }),
  },
  {
    name: 'updateTask',
    field: 'updateTask',
    document: `mutation ($input: UpdateTaskInput!) { updateTask(input: $input) { title done } }`,
    variables: () => ({ input: { id: toGlobalId('Task', scene.task.id), done: false } }),
    outcomes: outcomes({ members: data((d) => expect(d.updateTask).toEqual({ title: 'Check clause 4', done: false })), guests: fails('FORBIDDEN') }),
  },
  {
    name: 'inviteGuest',
    field: 'inviteGuest',
    document: `mutation ($input: InviteGuestInput!) { inviteGuest(input: $input) { invitationUrl guest { status name invitedBy { name } } } }`,
    variables: (role) => ({ input: { conversationId: id.conversation(scene.thread), email: uniqueEmail('partner'), name: `Partner of ${role}` } }),
    outcomes: outcomes({
      members: data((d, role) => {
        expect(d.inviteGuest.guest).toEqual({ status: 'INVITED', name: `Partner of ${role}`, invitedBy: { name: sessionOf(role)!.actor.name } });
        expect(d.inviteGuest.invitationUrl).toMatch(/\/invitations\/[^/]+$/);
      }),
      guests: fails('FORBIDDEN'),
    }),
  },
  {
    name: 'addGuestToConversation',
    field: 'addGuestToConversation',
    document: `mutation ($input: GuestConversationInput!) { addGuestToConversation(input: $input) { name conversations { id } } }`,
    variables: async () => ({ input: { guestId: actorGlobalId((await spareGuest()).actor), conversationId: id.conversation(scene.thread) } }),
    outcomes: outcomes({
      members: data((d) =>
        expect(d.addGuestToConversation).toEqual({
          name: 'Sam Spare',
          conversations: [{ id: id.conversation(scene.otherThread) }, { id: id.conversation(scene.thread) }],
        }),
      ),
      guests: fails('FORBIDDEN'),
    }),
  },
  {
    name: 'removeGuestFromConversation',
    field: 'removeGuestFromConversation',
    document: `mutation ($input: GuestConversationInput!) { removeGuestFromConversation(input: $input) { name conversations { id } } }`,
    variables: async () => ({ input: { guestId: actorGlobalId((await spareGuest()).actor), conversationId: id.conversation(scene.thread) } }),
    outcomes: outcomes({
      members: data((d) => expect(d.removeGuestFromConversation).toEqual({ name: 'Sam Spare', conversations: [{ id: id.conversation(scene.otherThread) }] })),
      guests: fails('FORBIDDEN'),
    }),
  },
  {
    name: 'revokeGuest',
    field: 'revokeGuest',
    document: `mutation ($input: RevokeGuestInput!) { revokeGuest(input: $input) { name status conversationCount } }`,
    variables: async () => {
      const { guest } = await buildInvitedGuest(server, { inviter: scene.member, conversationId: scene.otherThread.id, name: `Revocable ${next()}` });
      return { input: { guestId: actorGlobalId(guest) } };
    },
    outcomes: outcomes({
      members: data((d) => expect(d.revokeGuest).toEqual({ name: expect.stringMatching(/^Revocable/), status: 'REVOKED', conversationCount: 0 })),
      guests: fails('FORBIDDEN'),
    }),
  },
  {
    name: 'updateGuestSettings',
    field: 'updateGuestSettings',
    document: `mutation ($input: UpdateGuestSettingsInput!) { updateGuestSettings(input: $input) { enabled whoCanInvite } }`,
    variables: () => ({ input: { enabled: true, whoCanInvite: 'MEMBERS' } }),
    outcomes: outcomes({
      members: data((d) => expect(d.updateGuestSettings).toEqual({ enabled: true, whoCanInvite: 'MEMBERS' })),
      member: fails('FORBIDDEN'),
      guests: fails('FORBIDDEN'),
    }),
  },
  {
    name: 'createTeam',
    field: 'createTeam',
    document: `mutation ($input: CreateTeamInput!) { createTeam(input: $input) { name isDefault members { name } } }`,
    variables: (role) => ({ input: { name: `Team of ${role}` } }),
    outcomes: outcomes({
      members: data((d, role) => expect(d.createTeam).toEqual({ name: `Team of ${role}`, isDefault: false, members: [] })),
      member: fails('FORBIDDEN'),
      guests: fails('FORBIDDEN'),
    }),
  },
  {
    name: 'addTeamMember',
    field: 'addTeamMember',
    document: `mutation ($input: AddTeamMemberInput!) { addTeamMember(input: $input) { name members { name } } }`,
    variables: () => ({ input: { teamId: toGlobalId('Team', scene.team.id), userId: actorGlobalId(scene.member.actor) } }),
    outcomes: outcomes({
      members: data((d) => expect(d.addTeamMember).toEqual({ name: 'Legal', members: [{ name: 'Max Member' }] })),
      member: fails('FORBIDDEN'),
      guests: fails('FORBIDDEN'),
    }),
  },
];

let spare: Session | undefined;
/** A guest of otherThread whom the add/remove rows move in and out of thread. */
async function spareGuest(): Promise<Session> {
  spare ??= await buildGuest(server, { inviter: scene.member, conversationIds: [scene.otherThread.id], name: 'Sam Spare' });
  return spare;
}

async function run(row: Row, role: Role): Promise<GraphQLResponse> {
  const variables = row.variables ? await row.variables(role) : {};
  const token = row.token ? await row.token(role) : (sessionOf(role)?.token ?? null);
  return server.gql(row.document, variables, token);
}

function assertOutcome(row: Row, role: Role, response: GraphQLResponse, outcome: Outcome): void {
  if (outcome.kind === 'error') {
    expect(codes(response)).toEqual([outcome.code]);
    expect(response.data?.[row.field] ?? null).toBeNull();
    return;
  }
  if (outcome.kind === 'data') {
    expect(response.errors).toBeUndefined();
    outcome.check(response.data, role);
    return;
  }
  expect(response.errors).toHaveLength(1);
  expect(response.errors![0]).toMatchObject({ path: outcome.path, extensions: { code: 'FORBIDDEN' } });
  outcome.check(response.data, role);
}

const describeOutcome = (outcome: Outcome) => (outcome.kind === 'data' ? 'data' : outcome.kind === 'error' ? outcome.code : 'null + FORBIDDEN there');

describe.each([
  ['queries', QUERIES],
  ['node(id)', NODE_ROWS],
  ['mutations', MUTATIONS],
] as const)('the permission matrix: %s', (_group, rows) => {
  const cells = rows.flatMap((row) => ROLES.map((role) => [`${row.name} as ${LABELS[role]}: ${describeOutcome(row.outcomes[role])}`, row, role] as const));
  it.each(cells)('%s', async (_name, row, role) => {
    assertOutcome(row, role, await run(row, role), row.outcomes[role]);
  });
});

describe('a guest may never call a members-only mutation', () => {
  const NEVER: [string, string, () => Record<string, unknown>][] = [
    ['createConversation', `mutation { createConversation(input: { subject: "x" }) { id } }`, () => ({})],
    ['createChatRoom', `mutation { createChatRoom(input: { name: "x" }) { id } }`, () => ({})],
    [
      'createMessage',
      `mutation ($id: ID) { createMessage(input: { conversationId: $id, channel: EMAIL, from: "a@b.test", to: ["c@d.test"], body: "x" }) { id } }`,
      () => ({ id: id.missing('Conversation') }),
    ],
    ['replyToConversation', `mutation ($id: ID!) { replyToConversation(input: { conversationId: $id, body: "x" }) { id } }`, () => ({ id: id.missing('Conversation') })],
    ['updateConversation', `mutation ($id: ID!) { updateConversation(input: { id: $id, subject: "x" }) { id } }`, () => ({ id: id.missing('Conversation') })],
    ['createTask', `mutation ($id: ID!) { createTask(input: { conversationId: $id, title: "x" }) { id } }`, () => ({ id: id.missing('Conversation') })],
    ['updateTask', `mutation ($id: ID!) { updateTask(input: { id: $id, done: true }) { id } }`, () => ({ id: id.missing('Task') })],
    ['inviteGuest', `mutation ($id: ID!) { inviteGuest(input: { conversationId: $id, email: "x@y.test" }) { invitationUrl } }`, () => ({ id: id.missing('Conversation') })],
    [
      'addGuestToConversation',
      `mutation ($g: ID!, $c: ID!) { addGuestToConversation(input: { guestId: $g, conversationId: $c }) { id } }`,
      () => ({ g: id.missing('Guest'), c: id.missing('Conversation') }),
    ],
    [
      'removeGuestFromConversation',
      `mutation ($g: ID!, $c: ID!) { removeGuestFromConversation(input: { guestId: $g, conversationId: $c }) { id } }`,
      () => ({ g: id.missing('Guest'), c: id.missing('Conversation') }),
    ],
    ['revokeGuest', `mutation ($g: ID!) { revokeGuest(input: { guestId: $g }) { id } }`, () => ({ g: id.missing('Guest') })],
    ['inviteMember', `mutation { inviteMember(input: { email: "x@y.test" }) { invitationUrl } }`, () => ({})],
    ['createTeam', `mutation { createTeam(input: { name: "x" }) { id } }`, () => ({})],
    ['addTeamMember', `mutation ($t: ID!, $u: ID!) { addTeamMember(input: { teamId: $t, userId: $u }) { id } }`, () => ({ t: id.missing('Team'), u: id.missing('User') })],
    ['updateGuestSettings', `mutation { updateGuestSettings(input: { enabled: false }) { enabled } }`, () => ({})],
  ];

  it.each(NEVER)('%s is FORBIDDEN for a guest before anything is looked up, even with IDs that do not exist', async (_name, document, variables) => {
    const response = await server.gql(document, variables(), scene.guest.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
  });

  it('leaves guests enabled after a guest tried to turn them off', async () => {
    const settings = await server.gql(`{ organization { guestSettings { enabled } } }`, {}, scene.owner.token);
    expect(settings.data.organization.guestSettings).toEqual({ enabled: true });
  });

  it.each([
    ['inviteMember', `mutation { inviteMember(input: { email: "x@y.test" }) { invitationUrl } }`, () => ({})],
    ['createTeam', `mutation { createTeam(input: { name: "x" }) { id } }`, () => ({})],
    ['addTeamMember', `mutation ($t: ID!, $u: ID!) { addTeamMember(input: { teamId: $t, userId: $u }) { id } }`, () => ({ t: id.missing('Team'), u: id.missing('User') })],
    ['updateGuestSettings', `mutation { updateGuestSettings(input: { whoCanInvite: ADMINS }) { enabled } }`, () => ({})],
  ] as const)('%s is FORBIDDEN for a MEMBER before anything is looked up', async (_name, document, variables) => {
    const response = await server.gql(document, variables(), scene.member.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
  });
});

describe('members-only fields read by a guest', () => {
  it('cost the guest only those fields: each is null with one FORBIDDEN error at its path, the rest is intact', async () => {
    const response = await server.gql(
      `query ($id: ID!) {
        organization { name members { id } guests { id } guestUsage { guestLimit } guestSettings { enabled } teams { id } }
        conversation(id: $id) { subject team { id } assignees { id } labels allowGuests messages { nodes { body bcc } } }
      }`,
      { id: id.conversation(scene.thread) },
      scene.guest.token,
    );
    expect(response.data).toEqual({
      organization: { name: 'Acme', members: null, guests: null, guestUsage: null, guestSettings: null, teams: null },
      conversation: {
        subject: 'Lease renewal',
        team: null,
        assignees: null,
        labels: null,
        allowGuests: null,
        messages: { nodes: expect.arrayContaining([{ body: 'Please find our comments below.', bcc: null }]) },
      },
    });
    const paths = response.errors!.map((error) => [error.extensions?.code, error.path!.join('.')]);
    expect(paths).toEqual(
      expect.arrayContaining([
        ['FORBIDDEN', 'organization.members'],
        ['FORBIDDEN', 'organization.guests'],
        ['FORBIDDEN', 'organization.guestUsage'],
        ['FORBIDDEN', 'organization.guestSettings'],
        ['FORBIDDEN', 'organization.teams'],
        ['FORBIDDEN', 'conversation.team'],
        ['FORBIDDEN', 'conversation.assignees'],
        ['FORBIDDEN', 'conversation.labels'],
        ['FORBIDDEN', 'conversation.allowGuests'],
        ['FORBIDDEN', 'conversation.messages.nodes.0.bcc'],
      ]),
    );
    // One error per forbidden field and message: nothing else went wrong.
    const messages = response.data.conversation.messages.nodes.length;
    expect(response.errors).toHaveLength(9 + messages);
  });

  it('lets a guest read their own email and conversations through node(id)', async () => {
    const response = await server.gql(
      `query ($id: ID!) { node(id: $id) { ... on Guest { email conversations { id } } } }`,
      { id: actorGlobalId(scene.guest.actor) },
      scene.guest.token,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data.node).toEqual({ email: scene.guest.email, conversations: [{ id: id.conversation(scene.thread) }] });
  });
});

describe('whoCanInvite', () => {
  let owner: Session;
  let member: Session;
  let conversationId: string;
  let conversationGlobalId: string;
  beforeAll(async () => {
    owner = await buildOrganization(server);
    member = await buildMember(server, { inviter: owner });
    conversationId = (await server.app.services.conversations.create(owner.viewer, { subject: 'Supplier' })).id;
    conversationGlobalId = toGlobalId('Conversation', conversationId);
  });

  const setWhoCanInvite = async (value: 'ADMINS' | 'MEMBERS') => {
    const response = await server.gql(
      `mutation ($v: GuestInviters!) { updateGuestSettings(input: { whoCanInvite: $v }) { whoCanInvite } }`,
      { v: value },
      owner.token,
    );
    expect(response.data.updateGuestSettings).toEqual({ whoCanInvite: value });
  };

  it("ADMINS makes a member's guest management FORBIDDEN and hides the invite button, while owners keep it", async () => {
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversationId] });
    const other = (await server.app.services.conversations.create(owner.viewer, { subject: 'Other' })).id;
    await setWhoCanInvite('ADMINS');

    const attempts = [
      [`mutation ($c: ID!) { inviteGuest(input: { conversationId: $c, email: "${uniqueEmail()}" }) { invitationUrl } }`, { c: conversationGlobalId }],
      [`mutation ($g: ID!, $c: ID!) { addGuestToConversation(input: { guestId: $g, conversationId: $c }) { id } }`, { g: actorGlobalId(guest.actor), c: toGlobalId('Conversation', other) }],
      [`mutation ($g: ID!, $c: ID!) { removeGuestFromConversation(input: { guestId: $g, conversationId: $c }) { id } }`, { g: actorGlobalId(guest.actor), c: conversationGlobalId }],
      [`mutation ($g: ID!) { revokeGuest(input: { guestId: $g }) { id } }`, { g: actorGlobalId(guest.actor) }],
      // Before any lookup: an ID that does not exist is FORBIDDEN too, not NOT_FOUND.
      [`mutation ($g: ID!) { revokeGuest(input: { guestId: $g }) { id } }`, { g: id.missing('Guest') }],
      [`mutation ($c: ID!) { inviteGuest(input: { conversationId: $c, email: "x@y.test" }) { invitationUrl } }`, { c: id.missing('Conversation') }],
    ] as const;
    for (const [document, variables] of attempts) {
      const response = await server.gql(document, variables, member.token);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['FORBIDDEN']);
    }
    const capability = `query ($id: ID!) { conversation(id: $id) { viewerCanInviteGuests } }`;
    expect((await server.gql(capability, { id: conversationGlobalId }, member.token)).data.conversation.viewerCanInviteGuests).toBe(false);
    expect((await server.gql(capability, { id: conversationGlobalId }, owner.token)).data.conversation.viewerCanInviteGuests).toBe(true);

    // Nothing changed: the guest still has exactly their one conversation.
    const guestView = await server.gql(`{ viewer { ... on Guest { status conversations { id } } } }`, {}, guest.token);
    expect(guestView.data.viewer).toEqual({ status: 'ACTIVE', conversations: [{ id: conversationGlobalId }] });

    const byOwner = await server.gql(
      `mutation ($g: ID!, $c: ID!) { addGuestToConversation(input: { guestId: $g, conversationId: $c }) { conversationCount } }`,
      { g: actorGlobalId(guest.actor), c: toGlobalId('Conversation', other) },
      owner.token,
    );
    expect(byOwner.data.addGuestToConversation).toEqual({ conversationCount: 2 });
  });

  it('MEMBERS (back to the default) lets members invite again', async () => {
    await setWhoCanInvite('MEMBERS');
    const response = await server.gql(
      `mutation ($c: ID!, $e: String!) { inviteGuest(input: { conversationId: $c, email: $e }) { guest { status } invitationUrl } }`,
      { c: conversationGlobalId, e: uniqueEmail('partner') },
      member.token,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data.inviteGuest.guest).toEqual({ status: 'INVITED' });
  });
});
