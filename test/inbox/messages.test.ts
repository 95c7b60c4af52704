import { parseGlobalId } from '../../src/ids';
import { conversationId, countRows, ok, userId } from '../support/api';
import { buildConversation, buildGuest, buildMember, buildMessage, buildOrganization, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';
import { RecordingTransport } from '../support/transport';

let server: TestServer;
const transport = new RecordingTransport();
beforeAll(async () => {
  server = await startServer({}, { transport });
});
afterAll(() => server?.stop());

const MESSAGE_FIELDS = `id channel direction from to cc bcc subject body sentAt author { id name } attachments { id }`;
const CREATE = `mutation ($input: CreateMessageInput!) { createMessage(input: $input) { ${MESSAGE_FIELDS} } }`;
const REPLY = `mutation ($input: ReplyInput!) { replyToConversation(input: $input) { ${MESSAGE_FIELDS} } }`;
const MESSAGES = `query ($id: ID!) {
  conversation(id: $id) { subject participants { name } messages { totalCount nodes { ${MESSAGE_FIELDS} } } }
}`;

const inbound = (overrides: Record<string, unknown> = {}) => ({
  channel: 'EMAIL',
  from: 'Client@Customer.test',
  to: ['support@acme.test'],
  cc: ['boss@customer.test'],
  bcc: ['archive@acme.test'],
  subject: 'Quote',
  body: 'Could you send us a quote?',
  ...overrides,
});

let owner: Session;
let mia: Session;
beforeAll(async () => {
  owner = await buildOrganization(server, { name: 'Olivia' });
  mia = await buildMember(server, { inviter: owner, name: 'Mia' });
});

describe('createMessage', () => {
  it('starts a new thread when no conversationId is given', async () => {
    const before = await countRows(server, 'conversations', 'organization_id = $1', [owner.viewer.organizationId]);
    const message = ok(await server.gql(CREATE, { input: inbound() }, mia.token)).createMessage;
    expect(message).toMatchObject({
      channel: 'EMAIL',
      direction: 'INBOUND',
      from: 'client@customer.test',
      to: ['support@acme.test'],
      cc: ['boss@customer.test'],
      bcc: ['archive@acme.test'],
      subject: 'Quote',
      body: 'Could you send us a quote?',
      author: null,
      attachments: [],
    });
    expect(parseGlobalId(message.id)?.type).toBe('Message');
    expect(await countRows(server, 'conversations', 'organization_id = $1', [owner.viewer.organizationId])).toBe(before + 1);

    const [{ conversation_id }] = await server.app.database.dataSource.query(`SELECT conversation_id FROM messages WHERE id = $1`, [
      parseGlobalId(message.id)!.id,
    ]);
    const conversation = ok(await server.gql(MESSAGES, { id: conversationId(conversation_id) }, owner.token)).conversation;
    expect(conversation).toMatchObject({ subject: 'Quote', participants: [{ name: 'Mia' }], messages: { totalCount: 1 } });
    expect(conversation.messages.nodes[0].id).toBe(message.id);
  });

  it('adds a message to an existing thread', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const id = conversationId(conversation.id);
    await buildMessage(server, { creator: owner, conversationId: conversation.id, body: 'first' });
    const second = ok(await server.gql(CREATE, { input: inbound({ conversationId: id, body: 'second', cc: null, bcc: null }) }, mia.token));
    expect(second.createMessage).toMatchObject({ body: 'second', cc: [], bcc: [] });
    const read = ok(await server.gql(MESSAGES, { id }, owner.token)).conversation;
    expect(read.messages.nodes.map((m: { body: string }) => m.body)).toEqual(['first', 'second']);
    // Recording an inbound message is not taking part.
    expect(read.participants).toEqual([{ name: 'Olivia' }]);
  });

  it('takes phone numbers for SMS and WhatsApp, and any address for CUSTOM', async () => {
    const sms = ok(await server.gql(CREATE, { input: inbound({ channel: 'SMS', from: '+1 415 555 0100', to: ['+14155550199'], cc: [], bcc: [] }) }, mia.token));
    expect(sms.createMessage).toMatchObject({ channel: 'SMS', from: '+1 415 555 0100', to: ['+14155550199'] });
    const custom = ok(await server.gql(CREATE, { input: inbound({ channel: 'CUSTOM', from: 'slack:U123', to: ['slack:C42'], cc: [], bcc: [] }) }, mia.token));
    expect(custom.createMessage).toMatchObject({ channel: 'CUSTOM', from: 'slack:U123' });
  });

  it.each([
    ['a malformed from address', { from: 'not-an-email' }],
    ['a malformed to address', { to: ['support@acme.test', 'nobody'] }],
    ['a malformed cc address', { cc: ['a b@c.test'] }],
    ['a malformed bcc address', { bcc: ['@acme.test'] }],
    ['an empty to', { to: [] }],
    ['a phone number that is not one', { channel: 'SMS', from: 'call me maybe', to: ['+14155550199'], cc: [], bcc: [] }],
    ['an email address on WhatsApp', { channel: 'WHATSAPP', from: '+14155550100', to: ['support@acme.test'], cc: [], bcc: [] }],
    ['an empty body', { body: '  ' }],
    ['a NUL character in an address', { from: 'client\u0000@customer.test' }],
    ['a NUL character in the subject', { subject: 'Quote\u0000' }],
    ['a NUL character in the body', { body: 'Hello\u0000' }],
  ])('refuses %s with BAD_USER_INPUT and records nothing', async (_label, override) => {
    const conversation = await buildConversation(server, { creator: owner });
    const before = await countRows(server, 'conversations');
    const into = await server.gql(CREATE, { input: inbound({ conversationId: conversationId(conversation.id), ...override }) }, mia.token);
    expect(into.data).toBeNull();
    expect(codes(into)).toEqual(['BAD_USER_INPUT']);
    const fresh = await server.gql(CREATE, { input: inbound(override) }, mia.token);
    expect(fresh.data).toBeNull();
    expect(codes(fresh)).toEqual(['BAD_USER_INPUT']);
    expect(await countRows(server, 'messages', 'conversation_id = $1', [conversation.id])).toBe(0);
    expect(await countRows(server, 'conversations')).toBe(before);
  });

  it('refuses a message into a chat room with BAD_USER_INPUT', async () => {
    const room = ok(await server.gql(`mutation { createChatRoom(input: { name: "general" }) { id } }`, {}, owner.token)).createChatRoom;
    const response = await server.gql(CREATE, { input: inbound({ conversationId: room.id }) }, mia.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await countRows(server, 'messages', 'conversation_id = $1', [parseGlobalId(room.id)!.id])).toBe(0);
  });

  it("answers NOT_FOUND for an unknown, malformed, empty or another organization's conversation, and starts none", async () => {
    const theirs = await buildConversation(server);
    const before = await countRows(server, 'conversations');
    for (const id of [conversationId(theirs.id), conversationId('00000000-0000-4000-8000-000000000000'), 'garbage', '']) {
      const response = await server.gql(CREATE, { input: inbound({ conversationId: id }) }, mia.token);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['NOT_FOUND']);
    }
    expect(await countRows(server, 'messages', 'conversation_id = $1', [theirs.id])).toBe(0);
    expect(await countRows(server, 'conversations')).toBe(before);
  });

  it('forbids a guest, even one with access', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const response = await server.gql(CREATE, { input: inbound({ conversationId: conversationId(conversation.id) }) }, guest.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(await countRows(server, 'messages', 'conversation_id = $1', [conversation.id])).toBe(0);
  });

  it('shows a guest the message but not its bcc', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    ok(await server.gql(CREATE, { input: inbound({ conversationId: conversationId(conversation.id) }) }, mia.token));
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const response = await server.gql(
      `query ($id: ID!) { conversation(id: $id) { messages { nodes { from bcc } } } }`,
      { id: conversationId(conversation.id) },
      guest.token,
    );
    expect(response.data).toEqual({ conversation: { messages: { nodes: [{ from: 'client@customer.test', bcc: null }] } } });
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(response.errors![0]!.path).toEqual(['conversation', 'messages', 'nodes', 0, 'bcc']);
  });
});

describe('replyToConversation', () => {
  it('answers the last inbound sender as the member, who becomes a participant, and hands the reply to the transport', async () => {
    const conversation = await buildConversation(server, { creator: owner, subject: 'Quote for the new office' });
    const id = conversationId(conversation.id);
    await buildMessage(server, { creator: owner, conversationId: conversation.id, from: 'first@customer.test' });
    await buildMessage(server, { creator: owner, conversationId: conversation.id, from: 'second@customer.test' });
    const sentBefore = transport.sent.length;
    const reply = ok(await server.gql(REPLY, { input: { conversationId: id, body: 'Here is the quote.', cc: ['boss@customer.test'] } }, mia.token))
      .replyToConversation;
    expect(reply).toMatchObject({
      channel: 'EMAIL',
      direction: 'OUTBOUND',
      from: 'support@acme.test',
      to: ['second@customer.test'],
      cc: ['boss@customer.test'],
      bcc: [],
      subject: 'Re: Quote for the new office',
      body: 'Here is the quote.',
      author: { id: userId(mia.actor), name: 'Mia' },
    });
    expect(transport.sent.slice(sentBefore)).toHaveLength(1);
    expect(transport.sent[sentBefore]).toMatchObject({
      id: parseGlobalId(reply.id)!.id,
      conversationId: conversation.id,
      direction: 'OUTBOUND',
      to: ['second@customer.test'],
      body: 'Here is the quote.',
    });

    const read = ok(await server.gql(MESSAGES, { id }, owner.token)).conversation;
    expect(read.participants.map((p: { name: string }) => p.name)).toEqual(['Olivia', 'Mia']);
    expect(read.messages.nodes.map((m: { direction: string }) => m.direction)).toEqual(['INBOUND', 'INBOUND', 'OUTBOUND']);
    expect(read.messages.nodes[2]).toEqual(reply);
  });

  it('sends to the addresses given, and does not stack Re: prefixes', async () => {
    const conversation = await buildConversation(server, { creator: owner, subject: 'Re: Invoice' });
    await buildMessage(server, { creator: owner, conversationId: conversation.id });
    const reply = ok(
      await server.gql(REPLY, { input: { conversationId: conversationId(conversation.id), body: 'Forwarding.', to: ['Accounts@Customer.test'] } }, mia.token),
    ).replyToConversation;
    expect(reply).toMatchObject({ to: ['accounts@customer.test'], subject: 'Re: Invoice' });
  });

  it('replies on the channel of the last inbound message', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const id = conversationId(conversation.id);
    ok(await server.gql(CREATE, { input: inbound({ conversationId: id, channel: 'SMS', from: '+14155550100', to: ['+14155550111'], cc: [], bcc: [] }) }, mia.token));
    const reply = ok(await server.gql(REPLY, { input: { conversationId: id, body: 'On our way.' } }, owner.token)).replyToConversation;
    expect(reply).toMatchObject({ channel: 'SMS', from: '+14155550111', to: ['+14155550100'] });
  });

  it.each([
    ['an empty body', { body: ' ' }],
    ['a malformed to address', { to: ['nobody'] }],
    ['a malformed cc address', { cc: ['nobody'] }],
    ['a NUL character in the body', { body: 'Hi\u0000' }],
  ])('refuses %s with BAD_USER_INPUT, records nothing and sends nothing', async (_label, override) => {
    const conversation = await buildConversation(server, { creator: owner });
    await buildMessage(server, { creator: owner, conversationId: conversation.id });
    const sentBefore = transport.sent.length;
    const response = await server.gql(REPLY, { input: { conversationId: conversationId(conversation.id), body: 'Hi', ...override } }, mia.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(transport.sent.length).toBe(sentBefore);
    expect(await countRows(server, 'messages', `conversation_id = $1 AND direction = 'OUTBOUND'`, [conversation.id])).toBe(0);
    expect(await countRows(server, 'conversation_participants', 'conversation_id = $1 AND actor_id = $2', [conversation.id, mia.actor.id])).toBe(0);
  });

  it('needs a to when nobody has written in yet', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    const id = conversationId(conversation.id);
    const response = await server.gql(REPLY, { input: { conversationId: id, body: 'Hello?' } }, mia.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    const given = ok(await server.gql(REPLY, { input: { conversationId: id, body: 'Hello?', to: ['lead@prospect.test'] } }, mia.token));
    expect(given.replyToConversation).toMatchObject({ channel: 'EMAIL', to: ['lead@prospect.test'], subject: 'Re: Quote for the new office' });
  });

  it('refuses a reply in a chat room with BAD_USER_INPUT', async () => {
    const room = ok(await server.gql(`mutation { createChatRoom(input: { name: "general" }) { id } }`, {}, owner.token)).createChatRoom;
    const sentBefore = transport.sent.length;
    const response = await server.gql(REPLY, { input: { conversationId: room.id, body: 'Hi', to: ['x@y.test'] } }, mia.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(transport.sent.length).toBe(sentBefore);
  });

  it("answers NOT_FOUND for another organization's conversation and sends nothing", async () => {
    const stranger = await buildOrganization(server);
    const theirs = await buildConversation(server, { creator: stranger });
    await buildMessage(server, { creator: stranger, conversationId: theirs.id });
    const sentBefore = transport.sent.length;
    const response = await server.gql(REPLY, { input: { conversationId: conversationId(theirs.id), body: 'Hi' } }, mia.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['NOT_FOUND']);
    expect(transport.sent.length).toBe(sentBefore);
    expect(await countRows(server, 'messages', 'conversation_id = $1', [theirs.id])).toBe(1);
  });

  it('forbids a guest, even one with access, and sends nothing', async () => {
    const conversation = await buildConversation(server, { creator: owner });
    await buildMessage(server, { creator: owner, conversationId: conversation.id });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const sentBefore = transport.sent.length;
    const response = await server.gql(REPLY, { input: { conversationId: conversationId(conversation.id), body: 'Hi' } }, guest.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(transport.sent.length).toBe(sentBefore);
    expect(await countRows(server, 'messages', 'conversation_id = $1', [conversation.id])).toBe(1);
  });
});
