import { toGlobalId } from '../../src/ids';
import { buildComment, buildConversation, buildGuest, buildInvitedGuest, buildOrganization, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const PARTICIPANTS = `query ($id: ID!) { conversation(id: $id) { participants { id name ... on Guest { conversationCount } } } }`;

describe("what a guest sees of other guests", () => {
  let owner: Session;
  let shared: { id: string };
  let wide: Session;
  let narrow: Session;
  beforeAll(async () => {
    owner = await buildOrganization(server);
    shared = await buildConversation(server, { creator: owner, subject: 'Shared' });
    const privateOne = await buildConversation(server, { creator: owner, subject: 'Only the first guest' });
    const privateTwo = await buildConversation(server, { creator: owner, subject: 'Only the first guest, too' });
    wide = await buildGuest(server, { inviter: owner, conversationIds: [shared.id], name: 'Wendy Wide' });
    for (const conversation of [privateOne, privateTwo]) {
      await server.app.services.guests.addToConversation(owner.viewer, { guestId: toGlobalId('Guest', wide.actor.id), conversationId: toGlobalId('Conversation', conversation.id) });
    }
    narrow = await buildGuest(server, { inviter: owner, conversationIds: [shared.id], name: 'Nora Narrow' });
  });

  const countOf = async (token: string, guest: Session) => {
    const response = await server.gql(PARTICIPANTS, { id: toGlobalId('Conversation', shared.id) }, token);
    expect(response.errors).toBeUndefined();
    return response.data.conversation.participants.find((actor: { id: string }) => actor.id === toGlobalId('Guest', guest.actor.id)).conversationCount;
  };

  it('counts only the conversations both share in another guest\'s conversationCount', async () => {
    expect(await countOf(narrow.token, wide)).toBe(1);
  });

  it('counts every conversation for members and for the guest themself', async () => {
    expect(await countOf(owner.token, wide)).toBe(3);
    expect(await countOf(wide.token, wide)).toBe(3);
    expect(await countOf(wide.token, narrow)).toBe(1);
  });

  it('names an invitee who was given no name neutrally, never after their email', async () => {
    const { guest } = await buildInvitedGuest(server, { inviter: owner, conversationId: shared.id, email: 'jane.secretname@lawfirm.test' });
    const response = await server.gql(PARTICIPANTS, { id: toGlobalId('Conversation', shared.id) }, narrow.token);
    const invitee = response.data.conversation.participants.find((actor: { id: string }) => actor.id === toGlobalId('Guest', guest.id));
    expect(invitee.name).toBe('Invited guest');
    expect(JSON.stringify(response.data)).not.toContain('secretname');
  });
});

describe('node(id) of a comment, message or task the viewer cannot read', () => {
  it('runs exactly the statements that a missing one runs', async () => {
    const owner = await buildOrganization(server);
    const visible = await buildConversation(server, { creator: owner });
    const hidden = await buildConversation(server, { creator: owner });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [visible.id] });
    const comment = await buildComment(server, { author: owner, conversationId: hidden.id });
    const task = await server.app.services.tasks.create(owner.viewer, toGlobalId('Conversation', hidden.id), { title: 'Hidden task' });
    const message = await server.app.services.messages.create(owner.viewer, {
      conversationId: toGlobalId('Conversation', hidden.id),
      channel: 'EMAIL',
      from: 'client@customer.test',
      to: ['support@acme.test'],
      body: 'Hidden message',
    });
    const missing = '00000000-0000-4000-8000-000000000000';
    const { statements } = server.app.database;
    const statementsFor = async (id: string) => {
      const before = statements.count;
      const response = await server.gql(`query ($id: ID!) { node(id: $id) { id } }`, { id }, guest.token);
      expect(response.data).toEqual({ node: null });
      expect(codes(response)).toEqual(['NOT_FOUND']);
      return statements.count - before;
    };
    for (const [type, id] of [['Comment', comment.id], ['Message', message.id], ['Task', task.id]] as const) {
      expect([type, await statementsFor(toGlobalId(type, id))]).toEqual([type, await statementsFor(toGlobalId(type, missing))]);
    }
  });
});
