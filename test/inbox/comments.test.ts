import { toGlobalId } from '../../src/ids';
import { conversationId, countRows, guestId, ok, userId } from '../support/api';
import { buildComment, buildConversation, buildGuest, buildMember, buildOrganization, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const COMMENT_FIELDS = `id body createdAt author { __typename id name isGuest } mentions { __typename id name } attachments { id } conversation { id }`;
const POST = `mutation ($input: PostCommentInput!) { postComment(input: $input) { ${COMMENT_FIELDS} } }`;
const COMMENTS = `query ($id: ID!) {
  conversation(id: $id) { participants { name } comments { totalCount nodes { ${COMMENT_FIELDS} } } }
}`;

let owner: Session;
let mia: Session;
let max: Session;
beforeAll(async () => {
  owner = await buildOrganization(server, { name: 'Olivia' });
  mia = await buildMember(server, { inviter: owner, name: 'Mia' });
  max = await buildMember(server, { inviter: owner, name: 'Max' });
});

const participantNames = async (id: string, token = owner.token) =>
  ok(await server.gql(COMMENTS, { id }, token)).conversation.participants.map((p: { name: string }) => p.name);

describe('postComment', () => {
  it('posts a comment whose author becomes a participant', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const id = conversationId(conversation.id);
    const comment = ok(await server.gql(POST, { input: { conversationId: id, body: 'I can take this **one**.' } }, mia.token)).postComment;
    expect(comment).toMatchObject({
      body: 'I can take this **one**.',
      author: { __typename: 'User', id: userId(mia.actor), name: 'Mia', isGuest: false },
      mentions: [],
      attachments: [],
      conversation: { id },
    });
    const read = ok(await server.gql(COMMENTS, { id }, owner.token)).conversation;
    expect(read.comments).toEqual({ totalCount: 1, nodes: [comment] });
    expect(read.participants).toEqual([{ name: 'Olivia' }, { name: 'Mia' }]);
  });

  it.each([
    ['letters', 'x'.repeat(10_000)],
    ['emoji, each one character', '👍'.repeat(10_000)],
  ])('takes a body of exactly 10,000 characters of %s', async (_label, body) => {
    const conversation = await buildConversation(server, { creator: owner });
    const comment = ok(await server.gql(POST, { input: { conversationId: conversationId(conversation.id), body } }, mia.token)).postComment;
    expect(comment.body).toBe(body);
  });

  it.each([
    ['an empty body', ''],
    ['a body of only spaces', ' \n\t '],
    ['a body of 10,001 characters', 'x'.repeat(10_001)],
    ['a body of 10,001 emoji', '👍'.repeat(10_001)],
    ['a body with a NUL character', 'before\u0000after'],
  ])('refuses %s with BAD_USER_INPUT and posts nothing', async (_label, body) => {
    const conversation = await buildConversation(server, { creator: owner });
    const id = conversationId(conversation.id);
    const response = await server.gql(POST, { input: { conversationId: id, body, mentionIds: [userId(max.actor)] } }, mia.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await countRows(server, 'comments', 'conversation_id = $1', [conversation.id])).toBe(0);
    expect(await participantNames(id)).toEqual(['Olivia']);
  });

  it('lets a member mention any member of the organization, who then becomes a participant', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const id = conversationId(conversation.id);
    const comment = ok(
      await server.gql(POST, { input: { conversationId: id, body: '@Max @Olivia have a look', mentionIds: [userId(max.actor), userId(owner.actor), userId(max.actor)] } }, mia.token),
    ).postComment;
    expect(comment.mentions).toEqual([
      { __typename: 'User', id: userId(max.actor), name: 'Max' },
      { __typename: 'User', id: userId(owner.actor), name: 'Olivia' },
    ]);
    expect(await participantNames(id)).toEqual(['Olivia', 'Mia', 'Max']);
  });

  it('refuses a mention whose ID claims the wrong kind of actor, and posts nothing', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const id = conversationId(conversation.id);
    const forged = toGlobalId('Guest', max.actor.id);
    const response = await server.gql(POST, { input: { conversationId: id, body: 'hi', mentionIds: [forged] } }, mia.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['MENTION_NOT_ALLOWED']);
    expect(await countRows(server, 'comments', 'conversation_id = $1', [conversation.id])).toBe(0);
  });

  it('lets a member mention a guest who has access to the conversation', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id], name: 'Gus' });
    const comment = ok(
      await server.gql(POST, { input: { conversationId: conversationId(conversation.id), body: 'Gus?', mentionIds: [guestId(guest.actor)] } }, mia.token),
    ).postComment;
    expect(comment.mentions).toEqual([{ __typename: 'Guest', id: guestId(guest.actor), name: 'Gus' }]);
  });

  it.each<[string, () => Promise<string>]>([
    ['an unknown user', async () => toGlobalId('User', '00000000-0000-4000-8000-000000000000')],
    ['a malformed ID', async () => 'not-an-id'],
    ['the ID of a conversation', async () => conversationId((await buildConversation(server, { creator: owner })).id)],
    ['a member of another organization', async () => userId((await buildOrganization(server)).actor)],
    ['a guest without access to the conversation', async () => guestId((await buildGuest(server, { inviter: owner, conversationIds: [] })).actor)],
    ['a guest of another organization', async () => guestId((await buildGuest(server)).actor)],
  ])('refuses to mention %s with MENTION_NOT_ALLOWED and posts nothing', async (_label, mention) => {
    const conversation = await buildConversation(server, { creator: owner });
    const id = conversationId(conversation.id);
    const response = await server.gql(POST, { input: { conversationId: id, body: 'Hey', mentionIds: [userId(max.actor), await mention()] } }, mia.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['MENTION_NOT_ALLOWED']);
    expect(await countRows(server, 'comments', 'conversation_id = $1', [conversation.id])).toBe(0);
    expect(await participantNames(id)).toEqual(['Olivia']);
  });

  it('lets a guest with access comment and mention the people present, and nobody else', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const id = conversationId(conversation.id);
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id], name: 'Gus' });
    const comment = ok(await server.gql(POST, { input: { conversationId: id, body: 'Thanks @Olivia', mentionIds: [userId(owner.actor)] } }, guest.token))
      .postComment;
    expect(comment).toMatchObject({ author: { __typename: 'Guest', id: guestId(guest.actor), isGuest: true }, mentions: [{ name: 'Olivia' }] });

    const absent = await server.gql(POST, { input: { conversationId: id, body: 'And @Max', mentionIds: [userId(max.actor)] } }, guest.token);
    expect(absent.data).toBeNull();
    expect(codes(absent)).toEqual(['MENTION_NOT_ALLOWED']);
    expect(await countRows(server, 'comments', 'conversation_id = $1', [conversation.id])).toBe(1);
    // A guest commenting is present as a guest, not as a member participant.
    expect(await participantNames(id)).toEqual(['Olivia', 'Gus']);
  });

  it('answers NOT_FOUND to a guest without access, and for a foreign or unknown conversation', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const outsider = await buildGuest(server, { inviter: owner });
    const asOutsider = await server.gql(POST, { input: { conversationId: conversationId(conversation.id), body: 'Hi' } }, outsider.token);
    expect(asOutsider.data).toBeNull();
    expect(codes(asOutsider)).toEqual(['NOT_FOUND']);

    const theirs = await buildConversation(server);
    for (const id of [conversationId(theirs.id), conversationId('00000000-0000-4000-8000-000000000000'), 'garbage', userId(mia.actor)]) {
      const response = await server.gql(POST, { input: { conversationId: id, body: 'Hi' } }, mia.token);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['NOT_FOUND']);
    }
    expect(await countRows(server, 'comments', 'conversation_id = ANY($1)', [[conversation.id, theirs.id]])).toBe(0);
  });

  it('refuses an anonymous caller', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const response = await server.gql(POST, { input: { conversationId: conversationId(conversation.id), body: 'Hi' } });
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('posts in a chat room, where every member is already present', async () => {
    const room = ok(await server.gql(`mutation { createChatRoom(input: { name: "general" }) { id } }`, {}, owner.token)).createChatRoom;
    const comment = ok(await server.gql(POST, { input: { conversationId: room.id, body: 'Lunch?', mentionIds: [userId(max.actor)] } }, mia.token))
      .postComment;
    expect(comment.mentions).toEqual([{ __typename: 'User', id: userId(max.actor), name: 'Max' }]);
    expect(await participantNames(room.id)).toEqual(['Olivia', 'Mia', 'Max']);
  });

  it('lists comments oldest first with their authors and mentions', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    await buildComment(server, { author: mia, conversationId: conversation.id, body: 'one' });
    await buildComment(server, { author: max, conversationId: conversation.id, body: 'two', mentions: [mia.actor] });
    await buildComment(server, { author: owner, conversationId: conversation.id, body: 'three' });
    const read = ok(await server.gql(COMMENTS, { id: conversationId(conversation.id) }, owner.token)).conversation;
    expect(read.comments.totalCount).toBe(3);
    expect(read.comments.nodes.map((c: { body: string; author: { name: string }; mentions: { name: string }[] }) => [c.body, c.author.name, c.mentions.map((m) => m.name)])).toEqual([
      ['one', 'Mia', []],
      ['two', 'Max', ['Mia']],
      ['three', 'Olivia', []],
    ]);
  });
});
