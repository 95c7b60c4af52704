import { toGlobalId } from '../../src/ids';
import { actorGlobalId } from '../support/api';
import {
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
import { codes, itWithSharedDatabase, startServer, type GraphQLResponse, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const INVITE = `mutation ($input: InviteGuestInput!) { inviteGuest(input: $input) { invitationUrl guest { id status conversationCount } } }`;
const ADD = `mutation ($input: GuestConversationInput!) { addGuestToConversation(input: $input) { id conversationCount } }`;
const REMOVE = `mutation ($input: GuestConversationInput!) { removeGuestFromConversation(input: $input) { id conversationCount } }`;
const REVOKE = `mutation ($input: RevokeGuestInput!) { revokeGuest(input: $input) { id status } }`;
const USAGE = `{ organization { guestUsage { memberCount guestsPerMember guestLimit guestCount conversationsPerGuest } guests { id email status conversationCount } } }`;

const gid = (conversation: { id: string }) => toGlobalId('Conversation', conversation.id);

const invite = (on: TestServer, as: Session, conversation: { id: string }, email = uniqueEmail('partner')) =>
  on.gql(INVITE, { input: { conversationId: gid(conversation), email } }, as.token);
const add = (on: TestServer, as: Session, guest: Session | { id: string; kind: 'GUEST' }, conversation: { id: string }) =>
  on.gql(ADD, { input: { guestId: actorGlobalId('actor' in guest ? guest.actor : guest), conversationId: gid(conversation) } }, as.token);

async function usage(on: TestServer, as: Session) {
  const response = await on.gql(USAGE, {}, as.token);
  expect(response.errors).toBeUndefined();
  return response.data.organization as {
    guestUsage: { memberCount: number; guestsPerMember: number; guestLimit: number; guestCount: number; conversationsPerGuest: number };
    guests: { id: string; email: string; status: string; conversationCount: number }[];
  };
}

/** Tallies the outcomes of many responses: 'ok' or the first error code. */
function tally(responses: GraphQLResponse[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const response of responses) {
    const key = response.errors ? String(codes(response)[0]) : 'ok';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function conversations(owner: Session, count: number) {
  const list: Awaited<ReturnType<typeof buildConversation>>[] = [];
  for (let i = 0; i < count; i += 1) list.push(await buildConversation(server, { creator: owner, subject: `Conversation ${i + 1}` }));
  return list;
}

describe('the organization limit: guestsPerMember (5) × members', () => {
  it('lets an organization with one member have 5 guests; the 6th is GUEST_LIMIT_REACHED and changes nothing', async () => {
    const owner = await buildOrganization(server);
    const conversation = await buildConversation(server, { creator: owner });
    for (let i = 0; i < 5; i += 1) expect((await invite(server, owner, conversation)).errors).toBeUndefined();

    const email = uniqueEmail('sixth');
    const sixth = await invite(server, owner, conversation, email);
    expect(sixth.data).toBeNull();
    expect(codes(sixth)).toEqual(['GUEST_LIMIT_REACHED']);
    const after = await usage(server, owner);
    expect(after.guestUsage).toEqual({ memberCount: 1, guestsPerMember: 5, guestLimit: 5, guestCount: 5, conversationsPerGuest: 5 });
    expect(after.guests.map((guest) => guest.email)).not.toContain(email);
  });

  it('still lets guests already counted gain conversations at the limit', async () => {
    const owner = await buildOrganization(server);
    const [first, second] = await conversations(owner, 2);
    const guests: Session[] = [];
    for (let i = 0; i < 5; i += 1) guests.push(await buildGuest(server, { inviter: owner, conversationIds: [first!.id] }));
    const active = await invite(server, owner, second!, guests[0]!.email);
    expect(active.data.inviteGuest).toMatchObject({ invitationUrl: null, guest: { conversationCount: 2 } });
    const added = await add(server, owner, guests[1]!, second!);
    expect(added.data.addGuestToConversation.conversationCount).toBe(2);
  });

  it('counts guests until they are REVOKED: revoking frees a slot, and re-inviting a revoked guest needs one', async () => {
    const owner = await buildOrganization(server);
    const conversation = await buildConversation(server, { creator: owner });
    const guests: Session[] = [];
    for (let i = 0; i < 5; i += 1) guests.push(await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] }));

    await server.gql(REVOKE, { input: { guestId: actorGlobalId(guests[0]!.actor) } }, owner.token);
    expect((await usage(server, owner)).guestUsage.guestCount).toBe(4);
    expect((await invite(server, owner, conversation)).data.inviteGuest.guest.status).toBe('INVITED');

    // Full again: the revoked guest cannot come back, and stays REVOKED.
    const back = await invite(server, owner, conversation, guests[0]!.email);
    expect(back.data).toBeNull();
    expect(codes(back)).toEqual(['GUEST_LIMIT_REACHED']);
    const after = await usage(server, owner);
    expect(after.guests.find((guest) => guest.email === guests[0]!.email)).toMatchObject({ status: 'REVOKED', conversationCount: 0 });
    expect(after.guestUsage.guestCount).toBe(5);
  });

  it('grows with the members: a second member makes room for 5 more guests', async () => {
    const owner = await buildOrganization(server);
    const conversation = await buildConversation(server, { creator: owner });
    for (let i = 0; i < 5; i += 1) await buildInvitedGuest(server, { inviter: owner, conversationId: conversation.id });
    expect(codes(await invite(server, owner, conversation))).toEqual(['GUEST_LIMIT_REACHED']);
    const member = await buildMember(server, { inviter: owner });
    for (let i = 0; i < 5; i += 1) expect((await invite(server, member, conversation)).errors).toBeUndefined();
    expect(codes(await invite(server, member, conversation))).toEqual(['GUEST_LIMIT_REACHED']);
    expect((await usage(server, owner)).guestUsage).toMatchObject({ memberCount: 2, guestLimit: 10, guestCount: 10 });
  });

  itWithSharedDatabase('keeps existing guests when the count is over the limit, but lets no new one in until it is under', async () => {
    const owner = await buildOrganization(server);
    const conversation = await buildConversation(server, { creator: owner });
    const guests: Session[] = [];
    for (let i = 0; i < 4; i += 1) guests.push(await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] }));

    // The same database served with a lower limit: 4 guests where 2 are allowed.
    const stricter = await startServer({ ...server.env, GUESTS_PER_MEMBER: '2' });
    try {
      const read = await stricter.gql(`query ($id: ID!) { conversation(id: $id) { id } }`, { id: gid(conversation) }, guests[3]!.token);
      expect(read.data.conversation).toEqual({ id: gid(conversation) });
      expect(codes(await invite(stricter, owner, conversation))).toEqual(['GUEST_LIMIT_REACHED']);
      expect((await usage(stricter, owner)).guestUsage).toMatchObject({ guestLimit: 2, guestCount: 4 });

      await stricter.gql(REVOKE, { input: { guestId: actorGlobalId(guests[0]!.actor) } }, owner.token);
      await stricter.gql(REVOKE, { input: { guestId: actorGlobalId(guests[1]!.actor) } }, owner.token);
      expect(codes(await invite(stricter, owner, conversation))).toEqual(['GUEST_LIMIT_REACHED']);
      await stricter.gql(REVOKE, { input: { guestId: actorGlobalId(guests[2]!.actor) } }, owner.token);
      expect((await invite(stricter, owner, conversation)).errors).toBeUndefined();
    } finally {
      await stricter.stop();
    }
  });
});

describe('the per-guest limit: conversationsPerGuest (5)', () => {
  it('lets a guest have 5 conversations; the 6th is GUEST_CONVERSATION_LIMIT_REACHED, and removal frees the slot', async () => {
    const owner = await buildOrganization(server);
    const list = await conversations(owner, 6);
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [list[0]!.id] });
    for (const conversation of list.slice(1, 5)) expect((await add(server, owner, guest, conversation)).errors).toBeUndefined();

    const sixth = await add(server, owner, guest, list[5]!);
    expect(sixth.data).toBeNull();
    expect(codes(sixth)).toEqual(['GUEST_CONVERSATION_LIMIT_REACHED']);
    const byInvite = await invite(server, owner, list[5]!, guest.email);
    expect(codes(byInvite)).toEqual(['GUEST_CONVERSATION_LIMIT_REACHED']);
    const read = await server.gql(`query ($id: ID!) { conversation(id: $id) { id } }`, { id: gid(list[5]!) }, guest.token);
    expect(codes(read)).toEqual(['NOT_FOUND']);
    // Adding a conversation the guest already has is not one more.
    expect((await add(server, owner, guest, list[0]!)).data.addGuestToConversation.conversationCount).toBe(5);

    const removed = await server.gql(REMOVE, { input: { guestId: actorGlobalId(guest.actor), conversationId: gid(list[0]!) } }, owner.token);
    expect(removed.data.removeGuestFromConversation.conversationCount).toBe(4);
    expect((await add(server, owner, guest, list[5]!)).data.addGuestToConversation.conversationCount).toBe(5);
  });

  it('leaves an INVITED guest over the limit untouched: no new conversation and the old link still works', async () => {
    const owner = await buildOrganization(server);
    const list = await conversations(owner, 6);
    const { guest, invitationUrl, email } = await buildInvitedGuest(server, { inviter: owner, conversationId: list[0]!.id });
    for (const conversation of list.slice(1, 5)) await add(server, owner, { id: guest.id, kind: 'GUEST' }, conversation);

    const over = await invite(server, owner, list[5]!, email);
    expect(codes(over)).toEqual(['GUEST_CONVERSATION_LIMIT_REACHED']);
    const accepted = await server.gql(
      `mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { viewer { ... on Guest { conversationCount } } } }`,
      { input: { token: invitationToken(invitationUrl), name: 'Late Larry', password: PASSWORD } },
    );
    expect(accepted.data.acceptInvitation.viewer).toEqual({ conversationCount: 5 });
  });
});

describe('configured limits', () => {
  it('reads GUESTS_PER_MEMBER and CONVERSATIONS_PER_GUEST from the environment', async () => {
    const small = await startServer({ GUESTS_PER_MEMBER: '2', CONVERSATIONS_PER_GUEST: '2' });
    try {
      const owner = await small.app.services.accounts.signUp({ organizationName: 'Tiny', name: 'Tia', email: uniqueEmail('owner'), password: PASSWORD });
      const session = { token: owner.token, actor: owner.viewer, viewer: (await small.app.services.sessions.authenticate(owner.token))!, email: '' };
      const [a, b, c] = await Promise.all([1, 2, 3].map(() => small.app.services.conversations.create(session.viewer, { subject: 'x' })));
      const first = await invite(small, session, a!);
      expect((await invite(small, session, a!)).errors).toBeUndefined();
      expect(codes(await invite(small, session, a!))).toEqual(['GUEST_LIMIT_REACHED']);

      const guestId = first.data.inviteGuest.guest.id;
      expect((await small.gql(ADD, { input: { guestId, conversationId: gid(b!) } }, session.token)).data.addGuestToConversation.conversationCount).toBe(2);
      expect(codes(await small.gql(ADD, { input: { guestId, conversationId: gid(c!) } }, session.token))).toEqual(['GUEST_CONVERSATION_LIMIT_REACHED']);
      expect((await usage(small, session)).guestUsage).toEqual({ memberCount: 1, guestsPerMember: 2, guestLimit: 2, guestCount: 2, conversationsPerGuest: 2 });
    } finally {
      await small.stop();
    }
  });
});

describe('limits under concurrency', () => {
  it('20 simultaneous invitations on an organization with one member end with exactly 5 guests', async () => {
    const owner = await buildOrganization(server);
    const conversation = await buildConversation(server, { creator: owner });
    const responses = await Promise.all(Array.from({ length: 20 }, () => invite(server, owner, conversation)));
    expect(tally(responses)).toEqual({ ok: 5, GUEST_LIMIT_REACHED: 15 });
    const after = await usage(server, owner);
    expect(after.guests).toHaveLength(5);
    expect(after.guestUsage.guestCount).toBe(5);
  });

  it('10 simultaneous additions for a guest already in 1 conversation end with exactly 5', async () => {
    const owner = await buildOrganization(server);
    const list = await conversations(owner, 11);
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [list[0]!.id] });
    const responses = await Promise.all(list.slice(1).map((conversation) => add(server, owner, guest, conversation)));
    expect(tally(responses)).toEqual({ ok: 4, GUEST_CONVERSATION_LIMIT_REACHED: 6 });
    const mine = await server.gql(`{ viewer { ... on Guest { conversationCount conversations { id } } } }`, {}, guest.token);
    expect(mine.data.viewer.conversationCount).toBe(5);
    expect(mine.data.viewer.conversations).toHaveLength(5);
  });

  it('50 simultaneous invitations by three members never end above the limit of 15', async () => {
    const owner = await buildOrganization(server);
    const admin = await buildMember(server, { inviter: owner, role: 'ADMIN' });
    const member = await buildMember(server, { inviter: owner });
    const conversation = await buildConversation(server, { creator: owner });
    const inviters = [owner, admin, member];
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => invite(server, inviters[i % 3]!, conversation)));
    expect(tally(responses)).toEqual({ ok: 15, GUEST_LIMIT_REACHED: 35 });
    expect((await usage(server, owner)).guests).toHaveLength(15);
  });

  it('simultaneous invitations of one new email make one guest, within the per-guest limit', async () => {
    const owner = await buildOrganization(server);
    const list = await conversations(owner, 8);
    const email = uniqueEmail('popular');
    const responses = await Promise.all(list.map((conversation) => invite(server, owner, conversation, email)));
    expect(tally(responses)).toEqual({ ok: 5, GUEST_CONVERSATION_LIMIT_REACHED: 3 });
    const after = await usage(server, owner);
    expect(after.guests).toEqual([expect.objectContaining({ email, status: 'INVITED', conversationCount: 5 })]);
  });

  it('invitations and comments on the same conversation at the same time all succeed', async () => {
    const owner = await buildOrganization(server);
    const member = await buildMember(server, { inviter: owner });
    const conversation = await buildConversation(server, { creator: owner });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [conversation.id] });
    const comment = (as: Session, i: number) =>
      server.gql(`mutation ($input: PostCommentInput!) { postComment(input: $input) { id } }`, { input: { conversationId: gid(conversation), body: `Comment ${i}` } }, as.token);
    const responses = await Promise.all(
      Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? invite(server, i % 2 ? owner : member, conversation) : comment(i % 2 ? guest : member, i))),
    );
    expect(tally(responses)).toEqual({ ok: 24 });
  });

  it('an invitation racing allowGuests: false never leaves a guest in the conversation', async () => {
    for (let round = 0; round < 3; round += 1) {
      // A fresh organization each round: 8 invitations stay under its limit (2 members x 5), however the race goes.
      const owner = await buildOrganization(server);
      const member = await buildMember(server, { inviter: owner });
      const conversation = await buildConversation(server, { creator: owner });
      const responses = await Promise.all([
        ...Array.from({ length: 4 }, () => invite(server, member, conversation)),
        server.gql(
          `mutation ($input: UpdateConversationInput!) { updateConversation(input: $input) { allowGuests } }`,
          { input: { id: gid(conversation), allowGuests: false } },
          owner.token,
        ),
        ...Array.from({ length: 4 }, () => invite(server, member, conversation)),
      ]);
      expect(Object.keys(tally(responses)).filter((key) => key !== 'ok' && key !== 'GUEST_NOT_ALLOWED')).toEqual([]);
      const after = await server.gql(`query ($id: ID!) { conversation(id: $id) { allowGuests guests { id } } }`, { id: gid(conversation) }, owner.token);
      expect(after.data.conversation).toEqual({ allowGuests: false, guests: [] });
    }
  });
});
