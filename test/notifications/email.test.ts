import { ActorEntity } from '../../src/actor/actor.entity';
import { messageIdFor } from '../../src/mail/email';
import { actorGlobalId, conversationId, guestId, ok } from '../support/api';
import { buildConversation, buildOrganization, invitationToken, PASSWORD, uniqueEmail, type Session } from '../support/factories';
import { deliveriesTo, FAST_JOBS, recordingLogger, sleep } from '../support/mail';
import { startServer, usingPostgres, type TestServer } from '../support/server';
import { TestSmtpServer, type Delivery } from '../support/smtp';
import { MARK_READ, mention, notificationsOf } from './helpers';

const INVITE_MEMBER = `mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { invitationUrl expiresAt } }`;
const INVITE_GUEST = `mutation ($input: InviteGuestInput!) { inviteGuest(input: $input) { invitationUrl guest { id } } }`;
const ACCEPT = `mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token viewer { name } } }`;
const ADD_GUEST = `mutation ($input: GuestConversationInput!) { addGuestToConversation(input: $input) { id } }`;
const REMOVE_GUEST = `mutation ($input: GuestConversationInput!) { removeGuestFromConversation(input: $input) { id } }`;
const CREATE_TASK = `mutation ($input: CreateTaskInput!) { createTask(input: $input) { id } }`;
const UPDATE_SETTINGS = `mutation ($input: UpdateNotificationSettingsInput!) { updateNotificationSettings(input: $input) { email } }`;

/** How long after a notification its email is due, here: long enough for a test to read it or remove its guest first, even on a loaded machine. */
const DELAY_SECONDS = 5;
const WAIT_MS = 30_000;

/**
 * Every email of SPEC §12 through a real SMTP server in this process, with
 * two instances on one database (both run the job workers), each parsed as a
 * mail client would. Members and guests join through the links in their
 * invitation emails, since the API no longer hands the links out.
 */
describe('notification and invitation emails through SMTP', () => {
  let smtp: TestSmtpServer;
  let a: TestServer;
  /** A second instance on the same database when there is PostgreSQL (the embedded database belongs to one process). */
  let b: TestServer;
  const logs = [recordingLogger(), recordingLogger()];
  const lines = () => logs.flatMap((log) => log.lines);

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    const env = { SMTP_URL: smtp.url, MAIL_FROM: 'Acme Inbox <inbox@acme.test>', EMAIL_DELAY_SECONDS: String(DELAY_SECONDS), ...FAST_JOBS };
    a = await startServer(env, { logger: logs[0]!.logger });
    b = usingPostgres() ? await startServer(a.env, { logger: logs[1]!.logger }) : a;
  });
  afterAll(async () => {
    if (b !== a) await b?.stop();
    await a?.stop();
    await smtp?.stop();
  });
  beforeEach(() => {
    smtp.answer = () => null;
  });

  /** Resolves with the first log line (of either instance) that matches, once one does. */
  async function logged(predicate: (line: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
    const started = Date.now();
    for (;;) {
      const line = lines().find(predicate);
      if (line) return line;
      if (Date.now() - started > WAIT_MS) throw new Error(`timed out waiting for the log line: ${what}`);
      await sleep(50);
    }
  }

  /** The emails accepted for an address, once there are `count`; with `settle`, a moment more, to see that no other one follows. */
  async function inbox(address: string, count: number, { settle = true } = {}): Promise<Delivery[]> {
    const started = Date.now();
    const accepted = () => deliveriesTo(smtp, address).filter((delivery) => delivery.accepted);
    while (accepted().length < count) {
      if (Date.now() - started > WAIT_MS) throw new Error(`expected ${count} emails to ${address}, got ${deliveriesTo(smtp, address).length}`);
      await sleep(50);
    }
    if (settle) await sleep(1500);
    return accepted();
  }

  /**
   * Links start with PUBLIC_URL. Production instances share one; here each
   * test instance has its own port, so a link may name either (the
   * Message-ID names the host only, the same for both).
   */
  const publicUrl = () => `(?:${[a.url, b.url].map((url) => url.replace(/[.]/g, '\\.')).join('|')})`;
  const linkIn = (email: Delivery) => /https?:\/\/\S+\/invitations\/[\w-]+/.exec(email.parsed.text ?? '')![0];
  const unsubscribeLinkIn = (email: Delivery) => /^List-Unsubscribe: <([^>]+)>$/m.exec(email.head)?.[1] ?? null;
  const latestNotificationOf = async (actorId: string): Promise<string> =>
    (await a.app.database.dataSource.query(`SELECT id FROM notifications WHERE recipient_id = $1 ORDER BY seq DESC LIMIT 1`, [actorId]))[0].id;
  /** Waits until the notification's email job ran and decided: sent (its email accepted) or skipped (and why). */
  const outcomeOf = async (notificationId: string): Promise<string> => {
    const line = await logged(
      (line) => line.about === `notification:${notificationId}` && line.msg === 'email accepted' || (line.notificationId === notificationId && line.msg === 'notification email not sent'),
      `the email of notification ${notificationId}`,
    );
    return line.msg === 'email accepted' ? 'sent' : String(line.skipped);
  };

  async function session(server: TestServer, token: string, email: string): Promise<Session> {
    const viewer = (await server.app.services.sessions.authenticate(token))!;
    const actor = await server.app.database.dataSource.getRepository(ActorEntity).findOneByOrFail({ id: viewer.actorId });
    return { token, viewer, actor, email };
  }

  /** A member who joined through the link of their invitation email. */
  async function memberByEmail(inviter: Session, name: string): Promise<Session> {
    const email = uniqueEmail('member');
    const invited = ok(await a.gql(INVITE_MEMBER, { input: { email, role: 'MEMBER' } }, inviter.token));
    expect(invited.inviteMember.invitationUrl).toBeNull();
    const [invitation] = await inbox(email, 1, { settle: false });
    const accepted = ok(await b.gql(ACCEPT, { input: { token: invitationToken(linkIn(invitation!)), name, password: PASSWORD } }));
    return session(b, accepted.acceptInvitation.token, email);
  }

  /**
   * A guest of these conversations who joined through the link of their
   * invitation email: invited into the first, added to the others before
   * joining (which sends nothing: the invitation is their notice).
   */
  async function guestByEmail(inviter: Session, conversations: string[], name: string): Promise<Session> {
    const email = uniqueEmail('guest');
    const invited = ok(await b.gql(INVITE_GUEST, { input: { conversationId: conversationId(conversations[0]!), email } }, inviter.token));
    expect(invited.inviteGuest.invitationUrl).toBeNull();
    for (const conversation of conversations.slice(1)) {
      ok(await a.gql(ADD_GUEST, { input: { guestId: invited.inviteGuest.guest.id, conversationId: conversationId(conversation) } }, inviter.token));
    }
    const [invitation] = await inbox(email, 1, { settle: false });
    const accepted = ok(await a.gql(ACCEPT, { input: { token: invitationToken(linkIn(invitation!)), name, password: PASSWORD } }));
    return session(a, accepted.acceptInvitation.token, email);
  }

  it('emails a member invitation and a guest invitation to the invitee only, once each, escaped, with the link the API keeps to itself', async () => {
    const owner = await buildOrganization(a, { name: 'Olivia <b>Owner</b>', organizationName: 'Smith & Sons' });
    const memberEmail = uniqueEmail('member');
    const invited = ok(await a.gql(INVITE_MEMBER, { input: { email: memberEmail, role: 'MEMBER' } }, owner.token));
    expect(invited.inviteMember).toEqual({ invitationUrl: null, expiresAt: expect.any(String) });
    const [forMember] = await inbox(memberEmail, 1);
    const [{ id: invitationId }] = await a.app.database.dataSource.query(`SELECT id FROM invitations WHERE email = $1`, [memberEmail]);
    expect(forMember!.envelope).toEqual({ from: 'inbox@acme.test', to: [memberEmail] });
    expect(forMember!.parsed.messageId).toBe(messageIdFor(a.url, `invitation:${invitationId}`));
    expect(forMember!.parsed.subject).toBe('Olivia <b>Owner</b> invited you to join Smith & Sons on Sidedoor');
    expect(forMember!.parsed.html).toContain('<strong>Olivia &lt;b&gt;Owner&lt;/b&gt;</strong> invited you to join <strong>Smith &amp; Sons</strong>');
    expect(linkIn(forMember!)).toMatch(new RegExp(`^${publicUrl()}/invitations/inv_`));
    expect(forMember!.parsed.html).toContain(`href="${linkIn(forMember!)}"`);
    // No actor yet, so no setting to unsubscribe from.
    expect(unsubscribeLinkIn(forMember!)).toBeNull();
    const joined = ok(await b.gql(ACCEPT, { input: { token: invitationToken(linkIn(forMember!)), name: 'Max Member', password: PASSWORD } }));
    expect(joined.acceptInvitation.viewer).toEqual({ name: 'Max Member' });

    const thread = await buildConversation(a, { creator: owner, subject: 'Lease"><img src=x onerror=alert(1)>\r\nBcc: victim@evil.test' });
    const guestEmail = uniqueEmail('guest');
    const guestInvited = ok(await b.gql(INVITE_GUEST, { input: { conversationId: conversationId(thread.id), email: guestEmail, name: 'Gina\r\nBcc: victim@evil.test' } }, owner.token));
    expect(guestInvited.inviteGuest.invitationUrl).toBeNull();
    const [forGuest] = await inbox(guestEmail, 1);
    expect(forGuest!.envelope.to).toEqual([guestEmail]);
    expect(forGuest!.parsed.subject).toBe('Olivia <b>Owner</b> invited you to “Lease"><img src=x onerror=alert(1)> Bcc: victim@evil.test” on Sidedoor');
    expect(forGuest!.head).not.toMatch(/^bcc:/im);
    expect(forGuest!.parsed.headers.has('bcc')).toBe(false);
    expect(forGuest!.parsed.html).not.toMatch(/<img|<b>/);
    expect(forGuest!.parsed.html).toContain('Lease&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    const guestActorId = guestInvited.inviteGuest.guest.id;
    expect(unsubscribeLinkIn(forGuest!)).toMatch(new RegExp(`^${publicUrl()}/email/unsubscribe\\?actor=${Buffer.from(guestActorId, 'base64url').toString().split(':')[1]}&sig=`));
    expect(forGuest!.head).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    const guestJoined = ok(await a.gql(ACCEPT, { input: { token: invitationToken(linkIn(forGuest!)), name: 'Gina Guest', password: PASSWORD } }));
    expect(guestJoined.acceptInvitation.viewer).toEqual({ name: 'Gina Guest' });

    // The owner hears of it: GUEST_JOINED, by email too once due.
    const joinedNotification = await latestNotificationOf(owner.actor.id);
    expect(await outcomeOf(joinedNotification)).toBe('sent');
    const [forOwner] = await inbox(owner.email, 1);
    expect(forOwner!.parsed.subject).toBe('Gina Guest accepted your invitation to Smith & Sons');
    expect(forOwner!.parsed.messageId).toBe(messageIdFor(a.url, `notification:${joinedNotification}`));
  }, 60_000);

  it('emails a mention once, EMAIL_DELAY_SECONDS after it, quoting the comment escaped, with the link to the conversation and one-click unsubscribe', async () => {
    const owner = await buildOrganization(a, { name: 'Olivia Owner' });
    const member = await memberByEmail(owner, 'Max Member');
    const thread = await buildConversation(a, { creator: owner, subject: 'Lease <renewal>' });
    const mentionedAt = Date.now();
    await mention(b, owner, thread.id, [member.actor], '<script>alert(1)</script> & please\nsign by Friday');
    const notificationId = await latestNotificationOf(member.actor.id);

    expect(await outcomeOf(notificationId)).toBe('sent');
    const emails = await inbox(member.email, 2);
    expect(emails).toHaveLength(2);
    const email = emails[1]!;
    // Never before it was due (the database's clock, same machine).
    expect(Date.now() - mentionedAt).toBeGreaterThanOrEqual(DELAY_SECONDS * 1000 - 250);
    expect(email.envelope).toEqual({ from: 'inbox@acme.test', to: [member.email] });
    expect(email.parsed.messageId).toBe(messageIdFor(a.url, `notification:${notificationId}`));
    expect(email.parsed.subject).toBe('Olivia Owner mentioned you in “Lease <renewal>”');
    const link = new RegExp(`^Open the conversation: (${publicUrl()}/conversations/${conversationId(thread.id)})$`, 'm').exec(email.parsed.text ?? '')?.[1];
    expect(link).toBeDefined();
    expect(email.parsed.text).toContain('> <script>alert(1)</script> & please\n> sign by Friday');
    expect(email.parsed.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; please\nsign by Friday');
    expect(email.parsed.html).toContain('Lease &lt;renewal&gt;');
    expect(email.parsed.html).not.toContain('<script');
    expect(email.parsed.html).toContain(`href="${link}"`);
    expect(unsubscribeLinkIn(email)).toMatch(new RegExp(`^${publicUrl()}/email/unsubscribe\\?actor=${member.actor.id}&sig=[\\w-]+$`));
    expect(email.head).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(lines().filter((line) => line.msg === 'email accepted' && line.about === `notification:${notificationId}`)).toHaveLength(1);
  }, 60_000);

  it('sends nothing for a notification read in the app before its email was due', async () => {
    const owner = await buildOrganization(a);
    const member = await memberByEmail(owner, 'Max Member');
    const thread = await buildConversation(a, { creator: owner });
    await mention(a, owner, thread.id, [member.actor], 'Seen it?');
    const [notification] = (await notificationsOf(b, member)).edges;
    expect(ok(await b.gql(MARK_READ, { input: { ids: [notification!.node.id] } }, member.token))).toEqual({ markNotificationsRead: 1 });
    expect(await outcomeOf(await latestNotificationOf(member.actor.id))).toBe('read');
    expect(deliveriesTo(smtp, member.email)).toHaveLength(1); // the invitation only
  }, 60_000);

  it("obeys each recipient's email setting as it is when the email is due: ALL, MENTIONS or NONE", async () => {
    const owner = await buildOrganization(a);
    const [everything, mentionsOnly, nothing] = await Promise.all(['Eve Everything', 'Mo Mentions', 'Ned Nothing'].map((name) => memberByEmail(owner, name)));
    ok(await a.gql(UPDATE_SETTINGS, { input: { email: 'MENTIONS' } }, mentionsOnly.token));
    ok(await b.gql(UPDATE_SETTINGS, { input: { email: 'NONE' } }, nothing.token));
    const thread = await buildConversation(a, { creator: owner, subject: 'Office move' });

    const notifications = new Map<string, string[]>();
    for (const person of [everything!, mentionsOnly!, nothing!]) {
      ok(await a.gql(CREATE_TASK, { input: { conversationId: conversationId(thread.id), title: 'Pack the boxes', assigneeId: actorGlobalId(person.actor) } }, owner.token));
      const assigned = await latestNotificationOf(person.actor.id);
      await mention(b, owner, thread.id, [person.actor], 'Ping');
      notifications.set(person.actor.name, [assigned, await latestNotificationOf(person.actor.id)]);
    }
    const outcomes = await Promise.all([...notifications].map(async ([name, ids]) => [name, await Promise.all(ids.map(outcomeOf))] as const));
    expect(Object.fromEntries(outcomes)).toEqual({
      'Eve Everything': ['sent', 'sent'],
      'Mo Mentions': ['setting', 'sent'],
      'Ned Nothing': ['setting', 'setting'],
    });
    // Jobs run side by side: emails due together arrive in any order.
    const subjects = async (session: Session, count: number) => (await inbox(session.email, count)).map((email) => email.parsed.subject).sort();
    expect(await subjects(everything!, 3)).toEqual([
      'Olivia Owner assigned you a task: Pack the boxes',
      'Olivia Owner invited you to join Acme on Sidedoor',
      'Olivia Owner mentioned you in “Office move”',
    ]);
    expect(await subjects(mentionsOnly!, 2)).toEqual(['Olivia Owner invited you to join Acme on Sidedoor', 'Olivia Owner mentioned you in “Office move”']);
    expect(deliveriesTo(smtp, nothing!.email)).toHaveLength(1);
  }, 90_000);

  it('unsubscribes with one click from the link of a notification email; a tampered link is refused', async () => {
    const owner = await buildOrganization(a);
    const member = await memberByEmail(owner, 'Max Member');
    const thread = await buildConversation(a, { creator: owner });
    await mention(a, owner, thread.id, [member.actor], 'First');
    expect(await outcomeOf(await latestNotificationOf(member.actor.id))).toBe('sent');
    const [, email] = await inbox(member.email, 2);
    const link = unsubscribeLinkIn(email!)!;
    const post = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });

    expect((await post(link.replace(/sig=([\w-])/, (_match, first: string) => `sig=${first === 'A' ? 'B' : 'A'}`))).status).toBe(404);
    expect(ok(await a.gql(`{ notificationSettings { email } }`, {}, member.token))).toEqual({ notificationSettings: { email: 'ALL' } });
    expect((await post(link)).status).toBe(200);
    expect(ok(await b.gql(`{ notificationSettings { email } }`, {}, member.token))).toEqual({ notificationSettings: { email: 'NONE' } });

    await mention(b, owner, thread.id, [member.actor], 'Second');
    expect(await outcomeOf(await latestNotificationOf(member.actor.id))).toBe('setting');
    expect(deliveriesTo(smtp, member.email)).toHaveLength(2);
  }, 60_000);

  it('gives a guest removed from a conversation before the email was due nothing about it, and still emails what they can read', async () => {
    const owner = await buildOrganization(a);
    const lost = await buildConversation(a, { creator: owner, subject: 'Lost' });
    const kept = await buildConversation(a, { creator: owner, subject: 'Kept' });
    const guest = await guestByEmail(owner, [lost.id, kept.id], 'Gina Guest');
    await mention(a, owner, lost.id, [guest.actor], 'Secret plans for the lost one');
    const aboutLost = await latestNotificationOf(guest.actor.id);
    await mention(a, owner, kept.id, [guest.actor], 'About the kept one');
    const aboutKept = await latestNotificationOf(guest.actor.id);
    ok(await b.gql(REMOVE_GUEST, { input: { guestId: guestId(guest.actor), conversationId: conversationId(lost.id) } }, owner.token));

    expect(await outcomeOf(aboutLost)).toBe('unreadable');
    expect(await outcomeOf(aboutKept)).toBe('sent');
    const emails = await inbox(guest.email, 2);
    // The invitation (for "Lost", the conversation they were invited into), then the kept one's mention; nothing else.
    expect(emails.map((email) => email.parsed.subject)).toEqual([expect.stringContaining('invited you to “Lost”'), 'Olivia Owner mentioned you in “Kept”']);
    expect(emails.map((email) => email.parsed.text).join('\n')).not.toContain('Secret plans');
  }, 60_000);

  it('loses nothing when the SMTP server answers 451 or is away for a while, and delivers each email once', async () => {
    const owner = await buildOrganization(a);
    const member = await memberByEmail(owner, 'Max Member');
    const thread = await buildConversation(a, { creator: owner });

    // Two temporary refusals, then accepted.
    let refusals = 0;
    smtp.answer = (_attempt, delivery) => (delivery.envelope.to.includes(member.email) && refusals++ < 2 ? { code: 451, message: '4.3.0 Try again later' } : null);
    await mention(a, owner, thread.id, [member.actor], 'Through 451s');
    const first = await latestNotificationOf(member.actor.id);
    expect(await outcomeOf(first)).toBe('sent');
    expect(deliveriesTo(smtp, member.email).slice(1).map((delivery) => [delivery.accepted, delivery.parsed.messageId])).toEqual([
      [false, messageIdFor(a.url, `notification:${first}`)],
      [false, messageIdFor(a.url, `notification:${first}`)],
      [true, messageIdFor(a.url, `notification:${first}`)],
    ]);

    // The server goes away before the email is due, and comes back a few seconds later.
    smtp.answer = () => null;
    await smtp.stop();
    let restarted = false;
    try {
      await mention(b, owner, thread.id, [member.actor], 'Through an outage');
      const second = await latestNotificationOf(member.actor.id);
      const failed = await logged((line) => line.msg === 'job failed: retrying later' && line.about === `notification:${second}`, 'a failed delivery');
      // A connection that failed, not an SMTP answer.
      expect(failed).toMatchObject({ code: expect.any(String) });
      expect(failed.responseCode).toBeUndefined();
      await smtp.start();
      restarted = true;
      expect(await outcomeOf(second)).toBe('sent');
      const emails = await inbox(member.email, 3);
      expect(emails.slice(1).map((email) => email.parsed.messageId)).toEqual([first, second].map((id) => messageIdFor(a.url, `notification:${id}`)));
    } finally {
      if (!restarted) await smtp.start();
    }
  }, 90_000);
});

