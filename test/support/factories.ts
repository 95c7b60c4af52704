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
  return server.app.services.comments.post(author.viewer, conversationId, {
    conversationId: toGlobalId('Conversation', conversationId),
    body: overrides.body ?? 'Looks good to me.',
    mentionIds: (overrides.mentions ?? []).map((actor) => toGlobalId(actor.kind === 'GUEST' ? 'Guest' : 'User', actor.id)),
  });
}
