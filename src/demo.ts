import { toGlobalId } from './ids';
import type { Services } from './services';

const lastSegment = (url: string) => url.split('/').pop()!;

export const DEMO_PASSWORD = 'sidedoor-demo';

/**
 * On an empty embedded database, creates a demo organization and returns how
 * to log in; on any other database, does nothing and returns null.
 */
export async function seedDemo(services: Services, publicUrl: string): Promise<string | null> {
  if (await services.organizations.any()) return null;
  // Invitation links then go only to inboxes, and the demo's made-up addresses have none.
  const outbox = services.mail.outboxDir;
  if (!outbox) return 'No demo organization: SMTP_URL is set, so invitations go only by email, and the demo people have no inbox.';

  const owner = await services.accounts.signUp({
    organizationName: 'Acme (demo)',
    name: 'Olivia Owner',
    email: 'owner@demo.sidedoor.test',
    password: DEMO_PASSWORD,
  });
  const ownerViewer = await services.sessions.authenticate(owner.token);
  const invitation = await services.accounts.inviteMember(ownerViewer!, { email: 'member@demo.sidedoor.test', role: 'MEMBER' });
  const member = await services.accounts.acceptInvitation({
    token: lastSegment(invitation.invitationUrl!),
    name: 'Max Member',
    password: DEMO_PASSWORD,
  });
  const memberViewer = (await services.sessions.authenticate(member.token))!;

  const message = await services.messages.create(ownerViewer!, {
    channel: 'EMAIL',
    from: 'jane@lawfirm.test',
    to: ['support@acme.test'],
    subject: 'Lease renewal for the Berlin office',
    body: 'Hello Acme,\n\nplease find our comments on the renewal terms below.\n\nJane',
  });
  const conversationGlobalId = toGlobalId('Conversation', message.conversationId);
  await services.comments.post(memberViewer, {
    conversationId: conversationGlobalId,
    body: 'Let us ask Jane from the law firm to join this thread as a guest.',
  });
  const guestInvitation = await services.guests.invite(ownerViewer!, {
    conversationId: conversationGlobalId,
    email: 'guest@lawfirm.test',
    name: 'Jane Lawyer',
  });
  const guest = await services.accounts.acceptInvitation({ token: lastSegment(guestInvitation.invitationUrl!), name: 'Jane Lawyer', password: DEMO_PASSWORD });
  await services.comments.post(ownerViewer!, {
    conversationId: conversationGlobalId,
    body: 'Jane, could you check clause 4 before Friday?',
    mentionIds: [toGlobalId('Guest', guest.viewer.id)],
  });
  await services.conversations.create(ownerViewer!, { subject: 'Internal: budget 2027 (guests cannot see this one)' });

  const url = `${publicUrl}/graphql`;
  const login = (email: string) =>
    `curl -s ${url} -H 'content-type: application/json' \\\n    -d '{"query":"mutation { logIn(input: {email: \\"${email}\\", password: \\"${DEMO_PASSWORD}\\"}) { token } }"}'`;
  return [
    '',
    'Demo organization created. Log in with:',
    `  member (owner): ${login('owner@demo.sidedoor.test')}`,
    `  member:         ${login('member@demo.sidedoor.test')}`,
    `  guest:          ${login('guest@lawfirm.test')}`,
    '  (the guest sees only "Lease renewal for the Berlin office", and has a notification: { notifications { unreadCount nodes { reason } } })',
    'then send the token as "Authorization: Bearer <token>".',
    `Emails are not sent without SMTP_URL: they are written to ${outbox} (the invitations are there now).`,
    '',
  ].join('\n');
}
