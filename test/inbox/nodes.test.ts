import { toGlobalId } from '../../src/ids';
import { conversationId, guestId, ok, userId } from '../support/api';
import { buildComment, buildConversation, buildGuest, buildMember, buildMessage, buildOrganization, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const NODE = `query ($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Conversation { subject }
    ... on Message { body }
    ... on Comment { body }
    ... on Task { title }
    ... on Team { name }
    ... on User { name }
    ... on Guest { name }
    ... on Organization { name }
  }
}`;

interface World {
  owner: Session;
  mia: Session;
  conversation: string;
  other: string;
  ids: Record<'Conversation' | 'Message' | 'Comment' | 'Task' | 'Team' | 'User' | 'Organization', string>;
  otherIds: Record<'Conversation' | 'Message' | 'Comment' | 'Task', string>;
}

/** An organization with one object of every type, plus a second conversation with its own message, comment and task. */
async function buildWorld(organizationName: string): Promise<World> {
  const owner = await buildOrganization(server, { organizationName, name: `${organizationName} owner` });
  const mia = await buildMember(server, { inviter: owner, name: `${organizationName} member` });
  const objects = async (subject: string) => {
    const conversation = await buildConversation(server, { creator: owner, subject });
    const message = await buildMessage(server, { creator: owner, conversationId: conversation.id, body: `${subject} message` });
    const comment = await buildComment(server, { author: mia, conversationId: conversation.id, body: `${subject} comment` });
    const task = await server.app.services.tasks.create(owner.viewer, conversationId(conversation.id), { title: `${subject} task` });
    return {
      Conversation: conversationId(conversation.id),
      Message: toGlobalId('Message', message.id),
      Comment: toGlobalId('Comment', comment.id),
      Task: toGlobalId('Task', task.id),
      raw: conversation.id,
    };
  };
  const main = await objects(`${organizationName} main`);
  const other = await objects(`${organizationName} other`);
  const team = await server.app.services.teams.create(owner.viewer, { name: `${organizationName} team`, isDefault: false });
  const organization = ok(await server.gql(`{ organization { id } }`, {}, owner.token)).organization.id;
  const { raw, ...ids } = main;
  const { raw: otherRaw, ...otherIds } = other;
  return {
    owner,
    mia,
    conversation: raw,
    other: otherRaw,
    ids: { ...ids, Team: toGlobalId('Team', team.id), User: userId(mia.actor), Organization: organization },
    otherIds,
  };
}

let acme: World;
let globex: World;
beforeAll(async () => {
  acme = await buildWorld('Acme');
  globex = await buildWorld('Globex');
});

const expected = (world: World, type: keyof World['ids'], prefix: string) => {
  const field = { Conversation: 'subject', Message: 'body', Comment: 'body', Task: 'title', Team: 'name', User: 'name', Organization: 'name' }[type];
  const value = {
    Conversation: `${prefix} main`,
    Message: `${prefix} main message`,
    Comment: `${prefix} main comment`,
    Task: `${prefix} main task`,
    Team: `${prefix} team`,
    User: `${prefix} member`,
    Organization: prefix,
  }[type];
  return { __typename: type, id: world.ids[type], [field]: value };
};

const TYPES = ['Conversation', 'Message', 'Comment', 'Task', 'Team', 'User', 'Organization'] as const;

describe('node(id)', () => {
  it.each(TYPES)('finds a %s of the viewer’s organization', async (type) => {
    const response = await server.gql(NODE, { id: acme.ids[type] }, acme.mia.token);
    expect(response.data).toEqual({ node: expected(acme, type, 'Acme') });
  });

  it.each(TYPES)('answers NOT_FOUND with null for a %s of another organization', async (type) => {
    const response = await server.gql(NODE, { id: globex.ids[type] }, acme.owner.token);
    expect(response.data).toEqual({ node: null });
    expect(codes(response)).toEqual(['NOT_FOUND']);
  });

  it.each([
    ['a malformed ID', 'not-an-id'],
    ['an unknown conversation', toGlobalId('Conversation', '00000000-0000-4000-8000-000000000000')],
    ['an unknown comment', toGlobalId('Comment', '00000000-0000-4000-8000-000000000000')],
    ['a user ID that is a conversation', () => toGlobalId('User', acme.conversation)],
    ['a guest ID that is a member', () => guestId(acme.mia.actor)],
    ['an unknown type', Buffer.from('Invoice:00000000-0000-4000-8000-000000000000').toString('base64url')],
  ])('answers NOT_FOUND for %s', async (_label, id) => {
    const response = await server.gql(NODE, { id: typeof id === 'function' ? id() : id }, acme.owner.token);
    expect(response.data).toEqual({ node: null });
    expect(codes(response)).toEqual(['NOT_FOUND']);
  });

  it('shows a guest the objects of their conversation, and nothing of another one or the teams', async () => {
    const guest = await buildGuest(server, { inviter: acme.owner, conversationIds: [acme.conversation], name: 'Gus' });
    for (const type of ['Conversation', 'Message', 'Comment', 'Task'] as const) {
      const mine = await server.gql(NODE, { id: acme.ids[type] }, guest.token);
      expect(mine.data).toEqual({ node: expected(acme, type, 'Acme') });
      const other = await server.gql(NODE, { id: acme.otherIds[type] }, guest.token);
      expect(other.data).toEqual({ node: null });
      expect(codes(other)).toEqual(['NOT_FOUND']);
    }
    const team = await server.gql(NODE, { id: acme.ids.Team }, guest.token);
    expect(team.data).toEqual({ node: null });
    expect(codes(team)).toEqual(['NOT_FOUND']);
    // The member commented in the guest's conversation: present, so visible. Themself too.
    expect(ok(await server.gql(NODE, { id: acme.ids.User }, guest.token)).node).toEqual(expected(acme, 'User', 'Acme'));
    expect(ok(await server.gql(NODE, { id: guestId(guest.actor) }, guest.token)).node).toEqual({ __typename: 'Guest', id: guestId(guest.actor), name: 'Gus' });
  });

  it('refuses an anonymous caller', async () => {
    const response = await server.gql(NODE, { id: acme.ids.Conversation });
    expect(response.data).toEqual({ node: null });
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });
});
