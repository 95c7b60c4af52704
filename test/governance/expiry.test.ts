import { buildOrganization, uniqueEmail, type Session } from '../support/factories';
import { codes, itWithSharedDatabase, startServer, type TestServer } from '../support/server';
import { connect, within } from '../support/websocket';
import { eventually, untilLive } from '../realtime/helpers';
import { auditRows, guestWith, INVITE_GUEST, LEAVE, POST_COMMENT, sleep, threadOf, UPDATE_ACCESS, type TestThread } from './helpers';
import { uploadFile } from '../support/api';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const DAY_MS = 24 * 3600 * 1000;
const ADD = `mutation ($input: GuestConversationInput!) { addGuestToConversation(input: $input) { id conversationCount } }`;
const SETTINGS = `mutation ($input: UpdateGuestSettingsInput!) { updateGuestSettings(input: $input) { enabled whoCanInvite defaultAccessDays } }`;
const ACCESSES = `query ($id: ID!) { node(id: $id) { ... on Guest { accesses { level expiresAt conversation { id } } } } }`;
const PAGE = `query ($id: ID!) {
  conversation(id: $id) { id comments(first: 10) { nodes { id attachments { id url } } } }
}`;
const SUBSCRIBE = `subscription ($id: ID!) { commentAdded(conversationId: $id) { body } }`;

/** As if the clock had passed the access's end: what every read must notice at once, with nobody told. */
async function expireNow(guest: { uuid: string }, thread: TestThread): Promise<void> {
  await server.app.database.dataSource.query(
    `UPDATE guest_access SET expires_at = now() - interval '1 millisecond' WHERE guest_id = $1 AND conversation_id = $2`,
    [guest.uuid, thread.uuid],
  );
}

async function uploadAs(token: string, text: string): Promise<string> {
  return (await uploadFile(server, token, text, 'terms.txt')).body.id;
}

describe('an access past expiresAt', () => {
  let owner: Session;
  beforeAll(async () => {
    owner = await buildOrganization(server);
  });

  it('is gone on every path at once: queries, node, mutations, download links, the lists', async () => {
    const thread = await threadOf(server, owner);
    const attachmentId = await uploadAs(owner.token, 'terms and conditions');
    const posted = await server.gql(POST_COMMENT, { input: { conversationId: thread.id, body: 'Terms.', attachmentIds: [attachmentId] } }, owner.token);
    const commentId = posted.data.postComment.id;
    const guest = await guestWith(server, owner, thread, { expiresAt: new Date(Date.now() + DAY_MS) });
    const before = await server.gql(PAGE, { id: thread.id }, guest.token);
    expect(before.errors).toBeUndefined();
    const link: string = before.data.conversation.comments.nodes[0].attachments[0].url;
    expect((await fetch(link)).status).toBe(200);

    await expireNow(guest, thread);

    const conversation = await server.gql(PAGE, { id: thread.id }, guest.token);
    expect(conversation.data).toEqual({ conversation: null });
    expect(codes(conversation)).toEqual(['NOT_FOUND']);
    for (const id of [thread.id, commentId, attachmentId]) {
      const node = await server.gql(`query ($id: ID!) { node(id: $id) { id } }`, { id }, guest.token);
      expect(node.data).toEqual({ node: null });
      expect(codes(node)).toEqual(['NOT_FOUND']);
    }
    const list = await server.gql(`{ conversations { totalCount } viewer { ... on Guest { accesses { level } conversationCount } } }`, {}, guest.token);
    expect(list.data).toEqual({ conversations: { totalCount: 0 }, viewer: { accesses: [], conversationCount: 0 } });

    const comment = await server.gql(POST_COMMENT, { input: { conversationId: thread.id, body: 'Too late?' } }, guest.token);
    expect(comment.data).toBeNull();
    expect(codes(comment)).toEqual(['NOT_FOUND']);
    const left = await server.gql(LEAVE, { id: thread.id }, guest.token);
    expect(left.data).toBeNull();
    expect(codes(left)).toEqual(['NOT_FOUND']);
    const updated = await server.gql(UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: thread.id, level: 'READ' } }, owner.token);
    expect(updated.data).toBeNull();
    expect(codes(updated)).toEqual(['NOT_FOUND']);

    expect((await fetch(link)).status).toBe(404);
    const byToken = await fetch(`${server.url}/attachments/${attachmentId}`, { headers: { authorization: `Bearer ${guest.token}` } });
    expect(byToken.status).toBe(404);

    const seenByOwner = await server.gql(
      `query ($id: ID!, $guest: ID!) { conversation(id: $id) { guests { id } } node(id: $guest) { ... on Guest { accesses { level } conversationCount } } }`,
      { id: thread.id, guest: guest.id },
      owner.token,
    );
    expect(seenByOwner.data).toEqual({ conversation: { guests: [] }, node: { accesses: [], conversationCount: 0 } });
  });

  it('works until expiresAt and not after, with nobody touching it', async () => {
    const thread = await threadOf(server, owner);
    const expiresAt = new Date(Date.now() + 1500);
    const guest = await guestWith(server, owner, thread, { expiresAt });
    const before = await server.gql(PAGE, { id: thread.id }, guest.token);
    expect(before.errors).toBeUndefined();

    await sleep(expiresAt.getTime() - Date.now() + 50);

    const after = await server.gql(PAGE, { id: thread.id }, guest.token);
    expect(after.data).toEqual({ conversation: null });
    expect(codes(after)).toEqual(['NOT_FOUND']);
  });

  it('frees its slot: a guest at the 5-conversation limit gets a sixth once one access expired', async () => {
    const threads = await Promise.all(Array.from({ length: 6 }, (_, n) => threadOf(server, owner, `Matter ${n}`)));
    const guest = await guestWith(server, owner, threads[0]!, { expiresAt: new Date(Date.now() + DAY_MS) });
    for (const thread of threads.slice(1, 5)) {
      const added = await server.gql(ADD, { input: { guestId: guest.id, conversationId: thread.id } }, owner.token);
      expect(added.errors).toBeUndefined();
    }
    const full = await server.gql(ADD, { input: { guestId: guest.id, conversationId: threads[5]!.id } }, owner.token);
    expect(full.data).toBeNull();
    expect(codes(full)).toEqual(['GUEST_CONVERSATION_LIMIT_REACHED']);

    await expireNow(guest, threads[0]!);

    const sixth = await server.gql(ADD, { input: { guestId: guest.id, conversationId: threads[5]!.id } }, owner.token);
    expect(sixth.errors).toBeUndefined();
    expect(sixth.data.addGuestToConversation.conversationCount).toBe(5);
  });

  it('frees exactly one slot when two conversations are added at once', async () => {
    const threads = await Promise.all(Array.from({ length: 7 }, (_, n) => threadOf(server, owner, `Race ${n}`)));
    const guest = await guestWith(server, owner, threads[0]!, { expiresAt: new Date(Date.now() + DAY_MS) });
    for (const thread of threads.slice(1, 5)) await server.gql(ADD, { input: { guestId: guest.id, conversationId: thread.id } }, owner.token);
    await expireNow(guest, threads[0]!);

    const results = await Promise.all(
      threads.slice(5).map((thread) => server.gql(ADD, { input: { guestId: guest.id, conversationId: thread.id } }, owner.token)),
    );

    expect(results.map((result) => codes(result)[0] ?? 'OK').sort()).toEqual(['GUEST_CONVERSATION_LIMIT_REACHED', 'OK']);
    const [{ live }] = await server.app.database.dataSource.query(
      `SELECT count(*)::int AS live FROM live_guest_access WHERE guest_id = $1`,
      [guest.uuid],
    );
    expect(live).toBe(5);
  });

  it('is recorded once as GUEST_ACCESS_EXPIRED, at its expiry, however many notice it at once', async () => {
    const thread = await threadOf(server, owner);
    const guest = await guestWith(server, owner, thread, { expiresAt: new Date(Date.now() + DAY_MS) });
    await expireNow(guest, thread);
    const [{ expires_at: expiresAt }] = await server.app.database.dataSource.query(
      `SELECT expires_at FROM guest_access WHERE guest_id = $1`,
      [guest.uuid],
    );

    const { services } = server.app;
    await Promise.all([
      services.sessions.authenticate(guest.token),
      services.sessions.authenticate(guest.token),
      server.gql(PAGE, { id: thread.id }, guest.token),
      server.gql(`{ organization { auditEvents(first: 1) { nodes { id } } } }`, {}, owner.token),
      server.gql(`{ organization { auditEvents(first: 1) { nodes { id } } } }`, {}, owner.token),
    ]);

    const events = (await auditRows(server, owner.viewer.organizationId, 'GUEST_ACCESS_EXPIRED')).filter((row) => row.subject_id === guest.uuid);
    expect(events).toEqual([
      expect.objectContaining({ actor_id: null, subject_id: guest.uuid, conversation_id: thread.uuid, ip: null, user_agent: null, occurred_at: expiresAt }),
    ]);
    const rows = await server.app.database.dataSource.query(`SELECT 1 FROM guest_access WHERE guest_id = $1`, [guest.uuid]);
    expect(rows).toEqual([]);
  });
});

describe('expiresAt and defaultAccessDays', () => {
  let owner: Session;
  let thread: TestThread;
  beforeAll(async () => {
    owner = await buildOrganization(server);
    thread = await threadOf(server, owner);
  });

  it('refuses an inviteGuest whose expiresAt is not in the future with BAD_USER_INPUT: no guest, no event', async () => {
    const email = uniqueEmail('late');
    for (const expiresAt of [new Date(Date.now() - 60_000).toISOString(), new Date().toISOString()]) {
      const response = await server.gql(INVITE_GUEST, { input: { conversationId: thread.id, email, expiresAt } }, owner.token);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.extensions!.field).toBe('expiresAt');
    }
    const guests = await server.gql(`{ organization { guests { email } } }`, {}, owner.token);
    expect(guests.data.organization.guests.map((guest: { email: string }) => guest.email)).not.toContain(email);
    expect(await auditRows(server, owner.viewer.organizationId, 'GUEST_INVITED')).toEqual([]);
  });

  it('refuses defaultAccessDays outside 1 to 365 with BAD_USER_INPUT and changes nothing', async () => {
    for (const days of [0, -1, 366, 10_000]) {
      const response = await server.gql(SETTINGS, { input: { defaultAccessDays: days, enabled: false } }, owner.token);
      expect(response.data).toBeNull();
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    }
    const settings = await server.gql(`{ organization { guestSettings { enabled defaultAccessDays } } }`, {}, owner.token);
    expect(settings.data.organization.guestSettings).toEqual({ enabled: true, defaultAccessDays: null });
    expect(await auditRows(server, owner.viewer.organizationId, 'GUEST_SETTINGS_CHANGED')).toEqual([]);
  });

  it('gives new accesses without an expiresAt the default end; an explicit expiresAt wins; null removes the default', async () => {
    const set = await server.gql(SETTINGS, { input: { defaultAccessDays: 7 } }, owner.token);
    expect(set.data.updateGuestSettings).toEqual({ enabled: true, whoCanInvite: 'MEMBERS', defaultAccessDays: 7 });
    const bounds = [Date.now() + 7 * DAY_MS];

    const defaulted = await guestWith(server, owner, thread);
    const explicit = new Date(Date.now() + 2 * DAY_MS);
    const other = await threadOf(server, owner, 'Explicit');
    const chosen = await guestWith(server, owner, other, { expiresAt: explicit });
    const added = await threadOf(server, owner, 'Added');
    await server.gql(ADD, { input: { guestId: chosen.id, conversationId: added.id } }, owner.token);
    bounds.push(Date.now() + 7 * DAY_MS);

    const [defaultEnd] = (await server.gql(ACCESSES, { id: defaulted.id }, owner.token)).data.node.accesses;
    expect(Date.parse(defaultEnd.expiresAt)).toBeGreaterThanOrEqual(bounds[0]! - 1000);
    expect(Date.parse(defaultEnd.expiresAt)).toBeLessThanOrEqual(bounds[1]! + 1000);
    const chosenAccesses = (await server.gql(ACCESSES, { id: chosen.id }, owner.token)).data.node.accesses;
    expect(chosenAccesses[0]).toEqual({ level: 'COMMENT', expiresAt: explicit.toISOString(), conversation: { id: other.id } });
    expect(chosenAccesses[1].conversation).toEqual({ id: added.id });
    expect(Date.parse(chosenAccesses[1].expiresAt)).toBeGreaterThanOrEqual(bounds[0]! - 1000);

    const cleared = await server.gql(SETTINGS, { input: { defaultAccessDays: null } }, owner.token);
    expect(cleared.data.updateGuestSettings.defaultAccessDays).toBeNull();
    const forever = await guestWith(server, owner, await threadOf(server, owner, 'Forever'));
    expect((await server.gql(ACCESSES, { id: forever.id }, owner.token)).data.node.accesses[0].expiresAt).toBeNull();
  });

  it('lists accesses soonest expiry first, then oldest, to members and the guest themself; another guest gets null and FORBIDDEN', async () => {
    const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((subject) => threadOf(server, owner, subject)));
    const guest = await guestWith(server, owner, a!);
    const coGuest = await guestWith(server, owner, a!);
    await server.gql(ADD, { input: { guestId: guest.id, conversationId: b!.id } }, owner.token);
    await server.gql(ADD, { input: { guestId: guest.id, conversationId: c!.id } }, owner.token);
    await server.gql(UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: b!.id, expiresAt: new Date(Date.now() + 2 * DAY_MS).toISOString() } }, owner.token);
    await server.gql(UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: c!.id, expiresAt: new Date(Date.now() + DAY_MS).toISOString() } }, owner.token);
    const order = [c!.id, b!.id, a!.id];

    for (const as of [owner, guest]) {
      const response = await server.gql(ACCESSES, { id: guest.id }, as.token);
      expect(response.errors).toBeUndefined();
      expect(response.data.node.accesses.map((access: any) => access.conversation.id)).toEqual(order);
    }
    const byOther = await server.gql(ACCESSES, { id: guest.id }, coGuest.token);
    expect(byOther.data).toEqual({ node: { accesses: null } });
    expect(codes(byOther)).toEqual(['FORBIDDEN']);
    expect(byOther.errors![0]!.path).toEqual(['node', 'accesses']);
  });
});

describe('open subscriptions at expiresAt', () => {
  itWithSharedDatabase('get FORBIDDEN and complete within one second of expiresAt on every instance; members stay', async () => {
    const second = await startServer(server.env);
    try {
      const owner = await buildOrganization(server);
      const thread = await threadOf(server, owner);
      const guest = await guestWith(server, owner, thread);
      const sockets = await Promise.all([server, second].flatMap((on) => [connect(on, guest.token), connect(on, owner.token)]));
      const [guestFirst, ownerFirst, guestSecond, ownerSecond] = sockets.map((socket) => socket.subscribe(SUBSCRIBE, { id: thread.id }));
      await untilLive(server, thread, 2);
      await untilLive(second, thread, 2);

      const expiresAt = Date.now() + 2000;
      const set = await server.gql(UPDATE_ACCESS, { input: { guestId: guest.id, conversationId: thread.id, expiresAt: new Date(expiresAt).toISOString() } }, owner.token);
      expect(set.errors).toBeUndefined();
      await sleep(200);
      expect(guestFirst!.results).toEqual([]);
      expect(guestSecond!.results).toEqual([]);

      const endings = await Promise.all(
        [guestFirst!, guestSecond!].map(async (subscription) => {
          const ending = await within(subscription.ended, expiresAt + 1000 - Date.now(), 'the subscription to end within a second of expiresAt');
          return { ending, at: Date.now() };
        }),
      );
      for (const [index, subscription] of [guestFirst!, guestSecond!].entries()) {
        expect(endings[index]!.ending).toEqual({ kind: 'complete' });
        expect(endings[index]!.at).toBeGreaterThanOrEqual(expiresAt);
        expect(subscription.results).toHaveLength(1);
        expect(codes(subscription.results[0] as any)).toEqual(['FORBIDDEN']);
      }

      await server.gql(POST_COMMENT, { input: { conversationId: thread.id, body: 'Members only now.' } }, owner.token);
      expect((await ownerFirst!.take(1))[0]!.data).toEqual({ commentAdded: { body: 'Members only now.' } });
      expect((await ownerSecond!.take(1))[0]!.data).toEqual({ commentAdded: { body: 'Members only now.' } });

      // Both instances' timers went off at the same moment: the event is there once.
      await eventually(async () => (await auditRows(server, owner.viewer.organizationId, 'GUEST_ACCESS_EXPIRED')).length > 0, 'the expiry event');
      await sleep(300);
      expect(await auditRows(server, owner.viewer.organizationId, 'GUEST_ACCESS_EXPIRED')).toHaveLength(1);
      await Promise.all(sockets.map((socket) => socket.dispose()));
    } finally {
      await second.stop();
    }
  });
});
