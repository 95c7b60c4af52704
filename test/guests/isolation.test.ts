import { randomUUID } from 'node:crypto';
import { toGlobalId, type NodeType } from '../../src/ids';
import { actorGlobalId } from '../support/api';
import {
  buildComment,
  buildConversation,
  buildGuest,
  buildGuestScene,
  buildMember,
  buildMessage,
  buildOrganization,
  type GuestScene,
  type Session,
} from '../support/factories';
import { codes, startServer, type GraphQLResponse, type TestServer } from '../support/server';

/**
 * A guest walks every path from their conversation towards data they must
 * not see, and finds nothing: no field, no connection, no node, and no error
 * that tells "exists but hidden" from "does not exist".
 */

let server: TestServer;
let scene: GuestScene;
/** Another organization, with the same kinds of objects. */
let elsewhere: { owner: Session; member: Session; guest: Session; ids: Record<string, string> };

beforeAll(async () => {
  server = await startServer();
  scene = await buildGuestScene(server);
  const owner = await buildOrganization(server, { organizationName: 'Globex', name: 'Gus Globex' });
  const member = await buildMember(server, { inviter: owner });
  const conversation = await buildConversation(server, { creator: owner, subject: 'Globex secrets' });
  const message = await buildMessage(server, { creator: owner, conversationId: conversation.id });
  const comment = await buildComment(server, { author: owner, conversationId: conversation.id, body: 'Globex only' });
  const task = await server.app.services.tasks.create(owner.viewer, toGlobalId('Conversation', conversation.id), { title: 'Globex task' });
  const team = await server.app.services.teams.create(owner.viewer, { name: 'Globex team', isDefault: false });
  const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id], name: 'Globex Guest' });
  elsewhere = {
    owner,
    member,
    guest,
    ids: {
      Organization: toGlobalId('Organization', owner.viewer.organizationId),
      Conversation: toGlobalId('Conversation', conversation.id),
      Message: toGlobalId('Message', message.id),
      Comment: toGlobalId('Comment', comment.id),
      Task: toGlobalId('Task', task.id),
      Team: toGlobalId('Team', team.id),
      User: actorGlobalId(owner.actor),
      Guest: actorGlobalId(guest.actor),
    },
  };
});
afterAll(() => server?.stop());

const gid = (conversation: { id: string }) => toGlobalId('Conversation', conversation.id);
const NODE = `query ($id: ID!) { node(id: $id) { id __typename } }`;

/** Every string in a response, to search it for anything that must not be there. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** What must never reach the guest of `thread`: the other conversation's content, the other org's, other guests' emails. */
function forbiddenStrings(): string[] {
  return [
    'Budget 2027',
    'Internal numbers',
    'Not for the lawyer.',
    'Close the books',
    'Oscar Other',
    scene.otherGuest.email,
    scene.coGuest.email,
    'audit@acme.test',
    gid(scene.otherThread),
    gid(scene.chatRoom),
    'General',
    'Globex secrets',
    'Globex only',
    'Globex Guest',
    ...Object.values(elsewhere.ids),
  ];
}

function expectNothingLeaked(response: GraphQLResponse): void {
  const seen = strings(response.data);
  for (const secret of forbiddenStrings()) expect(seen).not.toContain(secret);
  for (const error of response.errors ?? []) {
    for (const secret of forbiddenStrings()) expect(error.message).not.toContain(secret);
  }
}

/** The one answer for anything missing or invisible. */
let missing: GraphQLResponse;
beforeAll(async () => {
  missing = await server.gql(NODE, { id: toGlobalId('Conversation', randomUUID()) }, scene.guest.token);
  expect(missing.data).toEqual({ node: null });
  expect(codes(missing)).toEqual(['NOT_FOUND']);
});

function expectLikeMissing(response: GraphQLResponse, field: string): void {
  expect(response.data?.[field] ?? null).toBeNull();
  expect(response.errors).toHaveLength(1);
  expect(response.errors![0]!.extensions).toEqual(missing.errors![0]!.extensions);
  expect(response.errors![0]!.message).toBe(missing.errors![0]!.message);
}

describe('nested paths from the guest’s conversation', () => {
  it('comments lead back only to the same conversation, however deep', async () => {
    const response = await server.gql(
      `query ($id: ID!) { conversation(id: $id) { comments(first: 10) { totalCount nodes { body conversation { id subject
          comments(first: 10) { nodes { body conversation { id messages { nodes { body } } tasks { title } } } } } } } } }`,
      { id: gid(scene.thread) },
      scene.guest.token,
    );
    expect(response.errors).toBeUndefined();
    const comments = response.data.conversation.comments.nodes;
    expect(comments.length).toBeGreaterThan(0);
    for (const comment of comments) {
      expect(comment.conversation.id).toBe(gid(scene.thread));
      for (const inner of comment.conversation.comments.nodes) expect(inner.conversation.id).toBe(gid(scene.thread));
    }
    expectNothingLeaked(response);
  });

  it('participants and guests are the people present, and other guests’ email and conversations stay hidden', async () => {
    const response = await server.gql(
      `query ($id: ID!) { conversation(id: $id) {
          participants { id name ... on User { email role } ... on Guest { email conversations { id subject } conversationCount } }
          guests { id name email conversations { id subject } } } }`,
      { id: gid(scene.thread) },
      scene.guest.token,
    );
    const { participants, guests } = response.data.conversation;
    expect(participants.map((p: any) => p.name)).toEqual(['Olivia Owner', 'Max Member', 'Gina Guest', 'Carl Coguest']);
    expect(guests.map((g: any) => g.name)).toEqual(['Gina Guest', 'Carl Coguest']);
    expect(guests[0]).toMatchObject({ email: scene.guest.email, conversations: [{ id: gid(scene.thread), subject: 'Lease renewal' }] });
    expect(guests[1]).toMatchObject({ email: null, conversations: null });
    // Every hidden field is one FORBIDDEN error: two members × (email, role) and the co-guest's email and conversations, twice.
    expect(response.errors!.every((error) => error.extensions?.code === 'FORBIDDEN')).toBe(true);
    expect(response.errors).toHaveLength(8);
    expectNothingLeaked(response);
  });

  it('the actors a guest meets in comments, mentions and tasks are people of this conversation', async () => {
    await buildComment(server, { author: scene.member, conversationId: scene.thread.id, body: 'Gina, Carl: see clause 4', mentions: [scene.guest.actor, scene.coGuest.actor] });
    const response = await server.gql(
      `query ($id: ID!) { conversation(id: $id) {
          comments(first: 100) { nodes { author { id name } mentions { id name ... on Guest { email } } } }
          tasks { assignee { id name } } messages { nodes { author { id name } } } } }`,
      { id: gid(scene.thread) },
      scene.guest.token,
    );
    expectNothingLeaked(response);
    const present = [scene.owner, scene.member, scene.guest, scene.coGuest].map((s) => actorGlobalId(s.actor));
    const { comments, tasks, messages } = response.data.conversation;
    const met = [
      ...comments.nodes.flatMap((c: any) => [c.author, ...c.mentions]),
      ...tasks.map((t: any) => t.assignee),
      ...messages.nodes.map((m: any) => m.author),
    ].filter(Boolean);
    for (const actor of met) expect(present).toContain(actor.id);
  });

  it('the guest’s own lists hold only their conversation', async () => {
    const response = await server.gql(
      `{ conversations(first: 100) { totalCount pageInfo { hasNextPage } nodes { id } edges { node { id } } }
         viewer { ... on Guest { conversations { id } conversationCount } } }`,
      {},
      scene.guest.token,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      conversations: { totalCount: 1, pageInfo: { hasNextPage: false }, nodes: [{ id: gid(scene.thread) }], edges: [{ node: { id: gid(scene.thread) } }] },
      viewer: { conversations: [{ id: gid(scene.thread) }], conversationCount: 1 },
    });
  });

  it('mutation responses show only what the guest may read', async () => {
    const response = await server.gql(
      `mutation ($input: PostCommentInput!) { postComment(input: $input) { body author { ... on Guest { email } }
          conversation { id subject participants { name } guests { name email } comments(first: 100) { totalCount nodes { body } } allowGuests } } }`,
      { input: { conversationId: gid(scene.thread), body: 'Reviewed.' } },
      scene.guest.token,
    );
    expect(response.data.postComment).toMatchObject({
      body: 'Reviewed.',
      author: { email: scene.guest.email },
      conversation: { id: gid(scene.thread), subject: 'Lease renewal', allowGuests: null },
    });
    expect(response.data.postComment.conversation.guests).toEqual([
      { name: 'Gina Guest', email: scene.guest.email },
      { name: 'Carl Coguest', email: null },
    ]);
    expect(codes(response)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expectNothingLeaked(response);
  });
});

describe('node(id) of everything a guest cannot see is NOT_FOUND, exactly like a missing ID', () => {
  const targets: [string, () => string][] = [
    ['the other conversation', () => gid(scene.otherThread)],
    ['a message of the other conversation', () => toGlobalId('Message', scene.otherMessage.id)],
    ['a comment of the other conversation', () => toGlobalId('Comment', scene.otherComment.id)],
    ['a task of the other conversation', () => toGlobalId('Task', scene.otherTask.id)],
    ['a chat room', () => gid(scene.chatRoom)],
    ['a team', () => toGlobalId('Team', scene.team.id)],
    ['a member who is not present', () => actorGlobalId(scene.admin.actor)],
    ['a guest of another conversation', () => actorGlobalId(scene.otherGuest.actor)],
    ...(['Organization', 'Conversation', 'Message', 'Comment', 'Task', 'Team', 'User', 'Guest'] as const).map(
      (type): [string, () => string] => [`a ${type} of another organization`, () => elsewhere.ids[type]!],
    ),
    ...(['Conversation', 'Message', 'Comment', 'Task', 'Team', 'User', 'Guest', 'Attachment'] as NodeType[]).map(
      (type): [string, () => string] => [`a ${type} ID that does not exist`, () => toGlobalId(type, randomUUID())],
    ),
    ['a malformed ID', () => 'not-an-id'],
    ['an ID of an unknown type', () => Buffer.from(`Secret:${randomUUID()}`).toString('base64url')],
  ];

  it.each(targets)('%s', async (_label, target) => {
    const response = await server.gql(NODE, { id: target() }, scene.guest.token);
    expectLikeMissing(response, 'node');
  });

  it('and the same objects are found by a member, so the test would see a leak', async () => {
    for (const [, target] of targets.slice(0, 8)) {
      const response = await server.gql(NODE, { id: target() }, scene.owner.token);
      expect(response.errors).toBeUndefined();
      expect(response.data.node.id).toBe(target());
    }
  });
});

describe('errors do not reveal existence', () => {
  const otherAndMissing = () => [gid(scene.otherThread), gid(scene.chatRoom), elsewhere.ids.Conversation!, toGlobalId('Conversation', randomUUID())];

  it('conversation(id) answers the same for a hidden conversation and a missing one', async () => {
    for (const id of otherAndMissing()) {
      const response = await server.gql(`query ($id: ID!) { conversation(id: $id) { id subject } }`, { id }, scene.guest.token);
      expectLikeMissing(response, 'conversation');
    }
  });

  it('postComment answers the same for a hidden conversation and a missing one, and posts nothing', async () => {
    for (const id of otherAndMissing()) {
      const response = await server.gql(
        `mutation ($input: PostCommentInput!) { postComment(input: $input) { id } }`,
        { input: { conversationId: id, body: 'Can I see this?' } },
        scene.guest.token,
      );
      expectLikeMissing(response, 'postComment');
    }
    const other = await server.gql(`query ($id: ID!) { conversation(id: $id) { comments(first: 100) { nodes { body } } } }`, { id: gid(scene.otherThread) }, scene.owner.token);
    expect(other.data.conversation.comments.nodes.map((c: any) => c.body)).not.toContain('Can I see this?');
  });

  it('a mention of someone hidden is refused like a mention of no one', async () => {
    const post = (mentionId: string) =>
      server.gql(
        `mutation ($input: PostCommentInput!) { postComment(input: $input) { id } }`,
        { input: { conversationId: gid(scene.thread), body: 'Hi', mentionIds: [mentionId] } },
        scene.guest.token,
      );
    const hidden = await post(actorGlobalId(scene.otherGuest.actor));
    const nobody = await post(toGlobalId('Guest', randomUUID()));
    const foreign = await post(elsewhere.ids.User!);
    for (const response of [hidden, nobody, foreign]) {
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['MENTION_NOT_ALLOWED']);
      expect(response.errors![0]!.message).toBe(nobody.errors![0]!.message);
    }
  });
});

describe('organizations never mix', () => {
  it("a member of another organization finds none of this organization's objects, through queries or mutations", async () => {
    const outsider = elsewhere.member;
    const attempts: [string, string, Record<string, unknown>][] = [
      ['conversation', `query ($id: ID!) { conversation(id: $id) { id } }`, { id: gid(scene.thread) }],
      ['node', NODE, { id: toGlobalId('Comment', scene.comment.id) }],
      ['node', NODE, { id: actorGlobalId(scene.guest.actor) }],
      ['postComment', `mutation ($c: ID!) { postComment(input: { conversationId: $c, body: "hi" }) { id } }`, { c: gid(scene.thread) }],
      ['inviteGuest', `mutation ($c: ID!) { inviteGuest(input: { conversationId: $c, email: "x@y.test" }) { invitationUrl } }`, { c: gid(scene.thread) }],
      [
        'addGuestToConversation',
        `mutation ($g: ID!, $c: ID!) { addGuestToConversation(input: { guestId: $g, conversationId: $c }) { id } }`,
        { g: actorGlobalId(scene.guest.actor), c: elsewhere.ids.Conversation },
      ],
      [
        'removeGuestFromConversation',
        `mutation ($g: ID!, $c: ID!) { removeGuestFromConversation(input: { guestId: $g, conversationId: $c }) { id } }`,
        { g: actorGlobalId(scene.guest.actor), c: gid(scene.thread) },
      ],
      ['revokeGuest', `mutation ($g: ID!) { revokeGuest(input: { guestId: $g }) { id } }`, { g: actorGlobalId(scene.guest.actor) }],
      ['updateTask', `mutation ($t: ID!) { updateTask(input: { id: $t, done: true }) { id } }`, { t: toGlobalId('Task', scene.task.id) }],
      ['updateConversation', `mutation ($c: ID!) { updateConversation(input: { id: $c, allowGuests: false }) { id } }`, { c: gid(scene.thread) }],
    ];
    for (const [field, document, variables] of attempts) {
      const response = await server.gql(document, variables, outsider.token);
      expect([field, codes(response)]).toEqual([field, ['NOT_FOUND']]);
      expect(response.data?.[field] ?? null).toBeNull();
    }
    // Nothing changed: the guest still reads their conversation.
    const still = await server.gql(`query ($id: ID!) { conversation(id: $id) { id } }`, { id: gid(scene.thread) }, scene.guest.token);
    expect(still.data.conversation).toEqual({ id: gid(scene.thread) });
  });

  it("a guest of another organization sees nothing of this one", async () => {
    const response = await server.gql(
      `{ conversations(first: 100) { totalCount nodes { subject } } organization { name } viewer { ... on Guest { conversations { subject } } } }`,
      {},
      elsewhere.guest.token,
    );
    expect(response.data).toEqual({
      conversations: { totalCount: 1, nodes: [{ subject: 'Globex secrets' }] },
      organization: { name: 'Globex' },
      viewer: { conversations: [{ subject: 'Globex secrets' }] },
    });
  });
});

describe('who invited whom', () => {
  it("shows a guest their own inviter, but another guest's inviter only when that member is present", async () => {
    // The admin is not a participant of the thread: inviting does not make one.
    const invitedByAdmin = await buildGuest(server, { inviter: scene.admin, conversationIds: [scene.thread.id], name: 'Ian Invited' });
    const QUERY = `query ($id: ID!) { conversation(id: $id) { guests { name invitedBy { id name } } } }`;

    const byGuest = await server.gql(QUERY, { id: gid(scene.thread) }, scene.guest.token);
    expect(byGuest.errors).toBeUndefined();
    expect(byGuest.data.conversation.guests).toEqual([
      { name: 'Gina Guest', invitedBy: { id: actorGlobalId(scene.member.actor), name: 'Max Member' } },
      { name: 'Carl Coguest', invitedBy: { id: actorGlobalId(scene.owner.actor), name: 'Olivia Owner' } },
      { name: 'Ian Invited', invitedBy: null },
    ]);
    // Consistent with node(id): the admin is not someone this guest can see.
    expectLikeMissing(await server.gql(NODE, { id: actorGlobalId(scene.admin.actor) }, scene.guest.token), 'node');

    const own = await server.gql(`{ viewer { ... on Guest { invitedBy { name } } } }`, {}, invitedByAdmin.token);
    expect(own.data.viewer).toEqual({ invitedBy: { name: 'Ada Admin' } });
    const byMember = await server.gql(QUERY, { id: gid(scene.thread) }, scene.member.token);
    expect(byMember.data.conversation.guests[2]).toEqual({ name: 'Ian Invited', invitedBy: { id: actorGlobalId(scene.admin.actor), name: 'Ada Admin' } });
  });
});
