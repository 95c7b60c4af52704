import { randomBytes } from 'node:crypto';
import type { ActorEntity, Role } from '../../src/actor/actor.entity';
import type { Viewer } from '../../src/auth/viewer';
import { toGlobalId } from '../../src/ids';
import { openEmail, type EmailJobPayload } from '../../src/mail/email.job';
import { actorGlobalId, conversationId, guestId } from './api';
import type { TestServer } from './server';

// Every builder takes the server and overrides, in the style of Outline's
// `buildX(overrides)`: what is not given gets a default, and a parent that is
// not given is built (a new organization's owner, a new conversation of
// theirs). A conversation is given by its database id, together with the
// session that writes in it: a factory cannot guess who that is.

/** Overrides are never a Session: `buildMember(server, owner)` must say `{ inviter: owner }` (a Session would pass as `{ email }`). */
type NotASession = { token?: never };

export const PASSWORD = 'correct horse battery';

/** A unique, valid email address. */
export const uniqueEmail = (label = 'person') => `${label}-${randomBytes(5).toString('hex')}@example.test`;

/** A logged-in actor as tests use one: the bearer token, the entity and the server-side viewer. */
export interface Session {
  token: string;
  actor: ActorEntity;
  viewer: Viewer;
  email: string;
}

async function session(server: TestServer, token: string, actor: ActorEntity, email: string): Promise<Session> {
  const viewer = await server.app.services.sessions.authenticate(token);
  if (!viewer) throw new Error('factory: the new session does not authenticate');
  return { token, actor, viewer, email };
}

/** The session that writes in a conversation and the conversation, both given or both built. */
async function placement(server: TestServer, factory: string, writer: Session | undefined, conversation: string | undefined) {
  if (conversation !== undefined && !writer) throw new Error(`${factory}: a conversationId needs the session that writes in it`);
  const actor = writer ?? (await buildOrganization(server));
  return { actor, conversationId: conversation ?? (await buildConversation(server, { creator: actor })).id };
}

/** A new organization and its OWNER. */
export async function buildOrganization(
  server: TestServer,
  overrides: Partial<{ organizationName: string; name: string; email: string; password: string }> & NotASession = {},
): Promise<Session> {
  const email = overrides.email ?? uniqueEmail('owner');
  const { token, viewer } = await server.app.services.accounts.signUp({
    organizationName: 'Acme',
    name: 'Olivia Owner',
    email,
    password: PASSWORD,
    ...overrides,
  });
  return session(server, token, viewer, email);
}

/** A member who was invited and accepted; the inviter (an OWNER or ADMIN) defaults to a new organization's owner. */
export async function buildMember(
  server: TestServer,
  overrides: Partial<{ inviter: Session; role: Role; name: string; email: string }> & NotASession = {},
): Promise<Session> {
  const inviter = overrides.inviter ?? (await buildOrganization(server));
  const email = overrides.email ?? uniqueEmail(overrides.role?.toLowerCase() ?? 'member');
  const invitation = await server.app.services.accounts.inviteMember(inviter.viewer, { email, role: overrides.role ?? 'MEMBER' });
  const { token, viewer } = await server.app.services.accounts.acceptInvitation({
    token: invitationToken(invitation.invitationUrl ?? (await emailedInvitationUrl(server, email))),
    name: overrides.name ?? 'Max Member',
    password: PASSWORD,
  });
  return session(server, token, viewer, email);
}

/** The token of an invitation link: its last path segment. With SMTP_URL the API gives no link (it went by email): read it from the email. */
export function invitationToken(invitationUrl: string | null): string {
  if (invitationUrl === null) throw new Error('factory: no invitation link, since this instance emails it (SMTP_URL): take it from the email');
  return new URL(invitationUrl).pathname.split('/').pop()!;
}

/**
 * The link of the latest invitation to `email`, read back from its queued
 * email (unsealed with the instance's SESSION_SECRET): with SMTP_URL set the
 * API hands out no link, only the invitee's inbox gets it.
 */
async function emailedInvitationUrl(server: TestServer, email: string): Promise<string> {
  const { dataSource } = server.app.database;
  const [invitation] = await dataSource.query(`SELECT id FROM invitations WHERE lower(email) = lower($1) ORDER BY created_at DESC LIMIT 1`, [email]);
  const jobs: { data: EmailJobPayload }[] = await dataSource.query(
    `SELECT data FROM pgboss.job WHERE name = 'email' UNION ALL SELECT data FROM pgboss.archive WHERE name = 'email'`,
  );
  const queued = jobs.map((job) => openEmail(server.app.config.sessionSecret, job.data)).find((queued) => queued?.about === `invitation:${invitation?.id}`);
  const url = queued ? /\S+\/invitations\/\S+/.exec(queued.text)?.[0] : undefined;
  if (!url) throw new Error(`factory: no invitation email to ${email} was queued`);
  return url;
}

/** A conversation created through the service (as the API would); the creator defaults to a new organization's owner. */
export async function buildConversation(server: TestServer, overrides: Partial<{ creator: Session; subject: string }> & NotASession = {}) {
  const creator = overrides.creator ?? (await buildOrganization(server));
  return server.app.services.conversations.create(creator.viewer, { subject: overrides.subject ?? 'Quote for the new office' });
}

/** An inbound email recorded by a member in a conversation (database id); both are built when not given. */
export async function buildMessage(
  server: TestServer,
  overrides: Partial<{ creator: Session; conversationId: string; from: string; body: string; subject: string }> & NotASession = {},
) {
  const { actor, conversationId: id } = await placement(server, 'buildMessage', overrides.creator, overrides.conversationId);
  return server.app.services.messages.create(actor.viewer, {
    conversationId: conversationId(id),
    channel: 'EMAIL',
    from: overrides.from ?? 'client@customer.test',
    to: ['support@acme.test'],
    subject: overrides.subject ?? 'Quote',
    body: overrides.body ?? 'Hello, could you send us a quote?',
  });
}

/** An internal comment in a conversation (database id), with optional mentions (actor entities); author and conversation are built when not given. */
export async function buildComment(
  server: TestServer,
  overrides: Partial<{ author: Session; conversationId: string; body: string; mentions: ActorEntity[] }> & NotASession = {},
) {
  const { actor, conversationId: id } = await placement(server, 'buildComment', overrides.author, overrides.conversationId);
  return server.app.services.comments.post(actor.viewer, {
    conversationId: conversationId(id),
    body: overrides.body ?? 'Looks good to me.',
    mentionIds: (overrides.mentions ?? []).map(actorGlobalId),
  });
}

/**
 * A guest invited into a conversation (database id) who has not accepted yet:
 * the guest, the link, the email and the conversation. Inviter and
 * conversation are built when not given.
 */
export async function buildInvitedGuest(
  server: TestServer,
  overrides: Partial<{ inviter: Session; conversationId: string; email: string; name: string }> & NotASession = {},
): Promise<{ guest: ActorEntity; invitationUrl: string; email: string; conversationId: string }> {
  const { actor: inviter, conversationId: id } = await placement(server, 'buildInvitedGuest', overrides.inviter, overrides.conversationId);
  const email = overrides.email ?? uniqueEmail('guest');
  const { guest, invitationUrl } = await server.app.services.guests.invite(inviter.viewer, {
    conversationId: conversationId(id),
    email,
    name: overrides.name ?? null,
  });
  if (guest.status === 'ACTIVE') throw new Error('factory: the guest was already active, so there is no link to accept');
  return { guest, invitationUrl: invitationUrl ?? (await emailedInvitationUrl(server, email)), email, conversationId: id };
}

/**
 * A logged-in, ACTIVE guest made through the real invitation flow, with
 * access to exactly `conversationIds` (database ids), returned with them.
 * Without an inviter, a new organization's owner invites; without
 * `conversationIds`, into one new conversation of the inviter's; with `[]`,
 * the guest is invited somewhere and removed again, so has no access at all.
 */
export async function buildGuest(
  server: TestServer,
  overrides: Partial<{ inviter: Session; conversationIds: string[]; name: string; email: string }> & NotASession = {},
): Promise<Session & { conversationIds: string[] }> {
  const { services } = server.app;
  const given = overrides.conversationIds;
  if (given?.length && !overrides.inviter) throw new Error('buildGuest: conversationIds need the inviter of their organization');
  const inviter = overrides.inviter ?? (await buildOrganization(server));
  // A guest comes in through one conversation: the first given, else a new one (which a guest given `[]` leaves again).
  const entry = given?.[0] ?? (await buildConversation(server, given ? { creator: inviter, subject: 'Guest entry' } : { creator: inviter })).id;
  const conversationIds = given ?? [entry];
  const { invitationUrl, email } = await buildInvitedGuest(server, { inviter, conversationId: entry, email: overrides.email, name: overrides.name });
  const { token, viewer: actor } = await services.accounts.acceptInvitation({
    token: invitationToken(invitationUrl),
    name: overrides.name ?? 'Gina Guest',
    password: PASSWORD,
  });
  const access = { guestId: guestId(actor) };
  if (conversationIds.length === 0) await services.guests.removeFromConversation(inviter.viewer, { ...access, conversationId: conversationId(entry) });
  for (const id of conversationIds.slice(1)) await services.guests.addToConversation(inviter.viewer, { ...access, conversationId: conversationId(id) });
  return { ...(await session(server, token, actor, email)), conversationIds };
}

/**
 * The organization the guest tests play in: an OWNER, an ADMIN and a MEMBER;
 * `thread` (created by the owner, an inbound email with bcc, a comment by the
 * member, a task, a team, labels, the member assigned) with two guests,
 * `guest` and `coGuest`; `otherThread` (created by the member, with its own
 * message, comment and task) whose only guest is `otherGuest`; and a chat room.
 */
export async function buildGuestScene(server: TestServer) {
  const { services } = server.app;
  const owner = await buildOrganization(server, { name: 'Olivia Owner' });
  const admin = await buildMember(server, { inviter: owner, role: 'ADMIN', name: 'Ada Admin' });
  const member = await buildMember(server, { inviter: owner, name: 'Max Member' });
  const team = await services.teams.create(owner.viewer, { name: 'Legal', isDefault: false });

  const thread = await buildConversation(server, { creator: owner, subject: 'Lease renewal' });
  const threadId = conversationId(thread.id);
  const message = await services.messages.create(owner.viewer, {
    conversationId: threadId,
    channel: 'EMAIL',
    from: 'jane@lawfirm.test',
    to: ['support@acme.test'],
    bcc: ['audit@acme.test'],
    subject: 'Lease renewal',
    body: 'Please find our comments below.',
  });
  const comment = await buildComment(server, { author: member, conversationId: thread.id, body: 'Let us ask the lawyer.' });
  const task = await services.tasks.create(owner.viewer, threadId, { title: 'Check clause 4', assigneeId: actorGlobalId(member.actor) });
  await services.conversations.update(owner.viewer, threadId, {
    teamId: toGlobalId('Team', team.id),
    labels: ['legal'],
    assigneeIds: [actorGlobalId(member.actor)],
  });
  const guest = await buildGuest(server, { inviter: member, conversationIds: [thread.id], name: 'Gina Guest' });
  const coGuest = await buildGuest(server, { inviter: owner, conversationIds: [thread.id], name: 'Carl Coguest' });

  const otherThread = await buildConversation(server, { creator: member, subject: 'Budget 2027' });
  const otherMessage = await buildMessage(server, { creator: member, conversationId: otherThread.id, body: 'Internal numbers' });
  const otherComment = await buildComment(server, { author: member, conversationId: otherThread.id, body: 'Not for the lawyer.' });
  const otherTask = await services.tasks.create(member.viewer, conversationId(otherThread.id), { title: 'Close the books' });
  const otherGuest = await buildGuest(server, { inviter: member, conversationIds: [otherThread.id], name: 'Oscar Other' });
  const chatRoom = await services.conversations.createChatRoom(owner.viewer, { name: 'General' });

  return { owner, admin, member, team, thread, message, comment, task, guest, coGuest, otherThread, otherMessage, otherComment, otherTask, otherGuest, chatRoom };
}

export type GuestScene = Awaited<ReturnType<typeof buildGuestScene>>;
