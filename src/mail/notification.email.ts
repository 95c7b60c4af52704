import type { NotificationReason } from '../notification/notification.entity';
import type { EmailDraft, Recipient } from './email';
import { html, type SafeHtml } from './email.render';

/** What a notification email says (SPEC §12): who did what, where, and what was written, as the recipient may read it now. */
export interface NotificationEmail {
  notificationId: string;
  reason: NotificationReason;
  /** The recipient, whose unsubscribe link the email carries. */
  to: Recipient & { actorId: string };
  /** Who caused it; null once they are gone. */
  actorName: string | null;
  organizationName: string;
  /** The conversation it points into, with its link (PUBLIC_URL/conversations/<id>); null for GUEST_JOINED. */
  conversation: { subject: string | null; url: string } | null;
  /** MENTIONED: the comment, quoted whole. */
  commentBody: string | null;
  /** TASK_ASSIGNED: the task's title. */
  taskTitle: string | null;
  /** Where the app is (PUBLIC_URL), for what has no conversation. */
  appUrl: string;
}

/** Longest part of a comment quoted in an email, in characters; the link leads to the rest. */
const MAX_QUOTE = 2000;

function quote(body: string): string {
  const chars = Array.from(body);
  return chars.length <= MAX_QUOTE ? body : `${chars.slice(0, MAX_QUOTE).join('').trimEnd()}…`;
}

/** The notification email: a renderer (pure: data in, draft out), every person's words escaped by the `html` tag. */
export function renderNotificationEmail(email: NotificationEmail): EmailDraft {
  const who = email.actorName ?? 'Someone';
  const where = email.conversation?.subject ? `“${email.conversation.subject}”` : 'a conversation';
  const link = email.conversation?.url ?? email.appUrl;
  const content = contentOf(email, who, where);
  const quoted = email.reason === 'MENTIONED' && email.commentBody !== null ? quote(email.commentBody) : null;
  return {
    about: `notification:${email.notificationId}`,
    to: email.to,
    subject: content.subject,
    text: [
      content.text,
      ...(quoted !== null ? ['', ...quoted.split('\n').map((line) => `> ${line}`)] : []),
      '',
      `${content.action}: ${link}`,
      '',
      `You get this email because of your notification settings in ${email.organizationName} on Sidedoor.`,
    ].join('\n'),
    html: html`<p>${content.html}</p>
${quoted !== null ? html`<blockquote style="margin:16px 0;padding:8px 16px;border-left:3px solid #d1d5db;color:#374151;white-space:pre-wrap">${quoted}</blockquote>` : html``}
<p><a href="${link}" style="display:inline-block;padding:10px 18px;background:#111827;color:#ffffff;border-radius:6px;text-decoration:none">${content.action}</a></p>
<p style="font-size:13px;color:#6b7280">You get this email because of your notification settings in ${email.organizationName} on Sidedoor.</p>`,
  };
}

function contentOf(email: NotificationEmail, who: string, where: string): { subject: string; text: string; html: SafeHtml; action: string } {
  switch (email.reason) {
    case 'MENTIONED':
      return {
        subject: `${who} mentioned you in ${where}`,
        text: `${who} mentioned you in ${where}:`,
        html: html`<strong>${who}</strong> mentioned you in <strong>${where}</strong>:`,
        action: 'Open the conversation',
      };
    case 'TASK_ASSIGNED': {
      const title = email.taskTitle ?? 'a task';
      return {
        subject: `${who} assigned you a task: ${title}`,
        text: `${who} assigned you the task “${title}” in ${where}.`,
        html: html`<strong>${who}</strong> assigned you the task <strong>“${title}”</strong> in ${where}.`,
        action: 'Open the conversation',
      };
    }
    case 'ADDED_TO_CONVERSATION':
      return {
        subject: `${who} added you to ${where}`,
        text: `${who} (${email.organizationName}) gave you access to the conversation ${where}.`,
        html: html`<strong>${who}</strong> (${email.organizationName}) gave you access to the conversation <strong>${where}</strong>.`,
        action: 'Open the conversation',
      };
    case 'GUEST_JOINED':
      return {
        subject: `${who} accepted your invitation to ${email.organizationName}`,
        text: `${who}, whom you invited as a guest, accepted the invitation and joined ${email.organizationName}.`,
        html: html`<strong>${who}</strong>, whom you invited as a guest, accepted the invitation and joined <strong>${email.organizationName}</strong>.`,
        action: 'Open Sidedoor',
      };
  }
}
