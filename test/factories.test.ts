import { conversationId, countRows, guestId, ok, userId } from './support/api';
import { buildComment, buildConversation, buildGuest, buildInvitedGuest, buildMessage, buildOrganization } from './support/factories';
import { startServer, type TestServer } from './support/server';

// The factories build the parents a test leaves out; these tests hold them to
// what their comments promise, through the API, since every other test
// trusts them.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const GUEST = `{ viewer { id ... on Guest { conversations { id } invitedBy { id } } } conversations(first: 100) { totalCount } }`;

describe('buildGuest', () => {
  it('without overrides, makes a guest of a new organization with access to one new conversation, and returns it', async () => {
    const guest = await buildGuest(server);
    expect(guest.conversationIds).toHaveLength(1);
    const data = ok(await server.gql(GUEST, {}, guest.token));
    expect(data.viewer.id).toBe(guestId(guest.actor));
    expect(data.viewer.conversations).toEqual([{ id: conversationId(guest.conversationIds[0]!) }]);
    expect(data.conversations.totalCount).toBe(1);
  });

  it('gives access to exactly the conversations given, invited by the inviter given', async () => {
    const owner = await buildOrganization(server);
    const [first, second] = [await buildConversation(server, { creator: owner }), await buildConversation(server, { creator: owner })];
    await buildConversation(server, { creator: owner, subject: 'Not theirs' });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [first!.id, second!.id] });
    expect(guest.conversationIds).toEqual([first!.id, second!.id]);
    const data = ok(await server.gql(GUEST, {}, guest.token));
    expect(data.viewer.invitedBy).toEqual({ id: userId(owner.actor) });
    expect(data.viewer.conversations.map((c: { id: string }) => c.id).sort()).toEqual([conversationId(first!.id), conversationId(second!.id)].sort());
    expect(data.conversations.totalCount).toBe(2);
  });

  it('with no conversations, makes a guest who can log in and sees none', async () => {
    const guest = await buildGuest(server, { conversationIds: [] });
    expect(guest.conversationIds).toEqual([]);
    const data = ok(await server.gql(GUEST, {}, guest.token));
    expect(data.viewer).toMatchObject({ id: guestId(guest.actor), conversations: [] });
    expect(data.conversations.totalCount).toBe(0);
  });

  it('refuses conversations without the inviter who can open them', async () => {
    const conversation = await buildConversation(server);
    await expect(buildGuest(server, { conversationIds: [conversation.id] })).rejects.toThrow(/inviter/);
    await expect(buildInvitedGuest(server, { conversationId: conversation.id })).rejects.toThrow(/conversationId/);
  });
});

describe('buildMessage and buildComment', () => {
  it('without overrides, write into a new conversation of a new organization', async () => {
    const message = await buildMessage(server);
    const comment = await buildComment(server);
    expect(message.organizationId).not.toBe(comment.organizationId);
    for (const record of [message, comment]) {
      expect(await countRows(server, 'conversations', 'id = $1 AND organization_id = $2', [record.conversationId, record.organizationId])).toBe(1);
    }
    await expect(buildComment(server, { conversationId: message.conversationId })).rejects.toThrow(/conversationId/);
  });
});
