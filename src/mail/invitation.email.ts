import type { EmailDraft, Recipient } from './email';
import { html } from './email.render';

/** What an invitation email says (SPEC §12): who invites, to which organization and (guests) conversation, and the link. */
export interface InvitationEmail {
  invitationId: string;
  /** The invitee; a guest's actor id gives the email an unsubscribe link, a future member has none yet. */
  to: Recipient;
  inviterName: string;
  organizationName: string;
  /** The conversation a guest is invited into; null for a member. */
  conversationSubject: string | null;
  /** The single-use link, from InvitationService.issue (starts with PUBLIC_URL). */
  invitationUrl: string;
  expiresAt: Date;
}

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' });

/** The invitation email: a renderer, as notification emails will be (pure: data in, draft out). */
export function renderInvitationEmail(invitation: InvitationEmail): EmailDraft {
  const { inviterName, organizationName, conversationSubject, invitationUrl } = invitation;
  const expires = `${dateFormat.format(invitation.expiresAt)} (UTC)`;
  const subject = conversationSubject
    ? `${inviterName} invited you to “${conversationSubject}” on Sidedoor`
    : `${inviterName} invited you to join ${organizationName} on Sidedoor`;
  const what = conversationSubject
    ? `${inviterName} (${organizationName}) invited you to the conversation “${conversationSubject}”.`
    : `${inviterName} invited you to join ${organizationName}.`;
  return {
    about: `invitation:${invitation.invitationId}`,
    to: invitation.to,
    subject,
    text: `Hello,\n\n${what}\n\nAccept the invitation and choose your password:\n${invitationUrl}\n\nThe link works once, until ${expires}. If you did not expect this invitation, ignore this email.`,
    html: html`<p>Hello,</p>
<p>${
      conversationSubject
        ? html`<strong>${inviterName}</strong> (${organizationName}) invited you to the conversation <strong>“${conversationSubject}”</strong>.`
        : html`<strong>${inviterName}</strong> invited you to join <strong>${organizationName}</strong>.`
    }</p>
<p><a href="${invitationUrl}" style="display:inline-block;padding:10px 18px;background:#111827;color:#ffffff;border-radius:6px;text-decoration:none">Accept the invitation</a></p>
<p style="font-size:13px;color:#6b7280">Or open this link: ${invitationUrl}<br>It works once, until ${expires}. If you did not expect this invitation, ignore this email.</p>`,
  };
}
