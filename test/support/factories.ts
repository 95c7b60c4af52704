import { randomBytes } from 'node:crypto';
import type { ActorEntity, Role } from '../../src/actor/actor.entity';
import type { Viewer } from '../../src/auth/viewer';
import { toGlobalId } from '../../src/ids';
import type { TestServer } from './server';

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

/** A new organization and its OWNER. */
export async function buildOrganization(
  server: TestServer,
  overrides: Partial<{ organizationName: string; name: string; email: string; password: string }> = {},
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

/** A member of the owner's organization, invited and accepted. */
export async function buildMember(
  server: TestServer,
  owner: Session,
  overrides: Partial<{ role: Role; name: string; email: string }> = {},
): Promise<Session> {
  const email = overrides.email ?? uniqueEmail(overrides.role?.toLowerCase() ?? 'member');
  const invitation = await server.app.services.accounts.inviteMember(owner.viewer, { email, role: overrides.role ?? 'MEMBER' });
  const { token, viewer } = await server.app.services.accounts.acceptInvitation({
    token: invitationToken(invitation.invitationUrl),
    name: overrides.name ?? 'Max Member',
    password: PASSWORD,
  });
  return session(server, token, viewer, email);
}

/** The token of an invitation link: its last path segment. */
export const invitationToken = (invitationUrl: string) => new URL(invitationUrl).pathname.split('/').pop()!;

/** A conversation created by a member, through the service (as the API would). */
export async function buildConversation(server: TestServer, member: Session, overrides: Partial<{ subject: string }> = {}) {
  return server.app.services.conversations.create(member.viewer, { subject: overrides.subject ?? 'Quote for the new office' });
}

/** An inbound email in a conversation. */
export async function buildMessage(
  server: TestServer,
  member: Session,
  conversationId: string,
  overrides: Partial<{ from: string; body: string; subject: string }> = {},
) {
  return server.app.services.messages.create(member.viewer, {
    conversationId: toGlobalId('Conversation', conversationId),
    channel: 'EMAIL',
    from: overrides.from ?? 'client@customer.test',
    to: ['support@acme.test'],
    subject: overrides.subject ?? 'Quote',
    body: overrides.body ?? 'Hello, could you send us a quote?',
  });
}

/** An internal comment by an actor, with optional mentions (actor entities). */
export async function buildComment(
  server: TestServer,
  author: Session,
  conversationId: string,
  overrides: Partial<{ body: string; mentions: ActorEntity[] }> = {},
) {
  return server.app.services.comments.post(author.viewer, {
    conversationId: toGlobalId('Conversation', conversationId),
    body: overrides.body ?? 'Looks good to me.',
    mentionIds: (overrides.mentions ?? []).map((actor) => toGlobalId(actor.kind === 'GUEST' ? 'Guest' : 'User', actor.id)),
  });
}

/** A guest invited into a conversation (by its database id) who has not accepted yet: the guest and the link. */
export async function buildInvitedGuest(
  server: TestServer,
  inviter: Session,
  conversationId: string,
  overrides: Partial<{ email: string; name: string }> = {},
): Promise<{ guest: ActorEntity; invitationUrl: string; email: string }> {
  const email = overrides.email ?? uniqueEmail('guest');
  const { guest, invitationUrl } = await server.app.services.guests.invite(inviter.viewer, {
    conversationId: toGlobalId('Conversation', conversationId),
    email,
    name: overrides.name ?? null,
  });
  if (!invitationUrl) throw new Error('factory: the guest was already active, so there is no link to accept');
  return { guest, invitationUrl, email };
}

/** A guest invited into a conversation who accepted: ACTIVE, logged in, with access to that conversation only. */
export async function buildGuest(
  server: TestServer,
  inviter: Session,
  conversationId: string,
  overrides: Partial<{ email: string; name: string }> = {},
): Promise<Session> {
  const { invitationUrl, email } = await buildInvitedGuest(server, inviter, conversationId, overrides);
  const { token, viewer } = await server.app.services.accounts.acceptInvitation({
    token: invitationToken(invitationUrl),
    name: overrides.name ?? 'Gina Guest',
    password: PASSWORD,
  });
  return session(server, token, viewer, email);
}

/** The global ID of an actor as the API shows it (User or Guest). */
export const actorGlobalId = (actor: Pick<ActorEntity, 'id' | 'kind'>) => toGlobalId(actor.kind === 'GUEST' ? 'Guest' : 'User', actor.id);

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
  const admin = await buildMember(server, owner, { role: 'ADMIN', name: 'Ada Admin' });
  const member = await buildMember(server, owner, { name: 'Max Member' });
  const team = await services.teams.create(owner.viewer, { name: 'Legal', isDefault: false });

  const thread = await buildConversation(server, owner, { subject: 'Lease renewal' });
  const threadId = toGlobalId('Conversation', thread.id);
  const message = await services.messages.create(owner.viewer, {
    conversationId: threadId,
    channel: 'EMAIL',
    from: 'jane@lawfirm.test',
    to: ['support@acme.test'],
    bcc: ['audit@acme.test'],
    subject: 'Lease renewal',
    body: 'Please find our comments below.',
  });
  const comment = await buildComment(server, member, thread.id, { body: 'Let us ask the lawyer.' });
  const task = await services.tasks.create(owner.viewer, threadId, { title: 'Check clause 4', assigneeId: actorGlobalId(member.actor) });
  await services.conversations.update(owner.viewer, threadId, {
    teamId: toGlobalId('Team', team.id),
    labels: ['legal'],
    assigneeIds: [actorGlobalId(member.actor)],
  });
  const guest = await buildGuest(server, member, thread.id, { name: 'Gina Guest' });
  const coGuest = await buildGuest(server, owner, thread.id, { name: 'Carl Coguest' });

  const otherThread = await buildConversation(server, member, { subject: 'Budget 2027' });
  const otherMessage = await buildMessage(server, member, otherThread.id, { body: 'Internal numbers' });
  const otherComment = await buildComment(server, member, otherThread.id, { body: 'Not for the lawyer.' });
  const otherTask = await services.tasks.create(member.viewer, toGlobalId('Conversation', otherThread.id), { title: 'Close the books' });
  const otherGuest = await buildGuest(server, member, otherThread.id, { name: 'Oscar Other' });
  const chatRoom = await services.conversations.createChatRoom(owner.viewer, { name: 'General' });

  return { owner, admin, member, team, thread, message, comment, task, guest, coGuest, otherThread, otherMessage, otherComment, otherTask, otherGuest, chatRoom };
}

export type GuestScene = Awaited<ReturnType<typeof buildGuestScene>>;
