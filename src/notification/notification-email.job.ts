import type { DataSource } from 'typeorm';
import { toGlobalId } from '../ids';
import type { JobHandler } from '../jobs/job-queue';
import type { Logger } from '../logger';
import type { MailService } from '../mail/mail.service';
import { renderNotificationEmail } from '../mail/notification.email';
import type { EmailNotifications } from './notification-settings.entity';
import type { NotificationReason } from './notification.entity';
import { notificationPolicy, visibleToRecipient } from './notification.policy';

/** The job name of a notification's email, due EMAIL_DELAY_SECONDS after the notification. */
export const NOTIFICATION_EMAIL_JOB = 'notification-email';

/** Only the id: what the email says is read when it goes out, not when the notification was made. */
export interface NotificationEmailPayload {
  readonly notificationId: string;
}

/** Everything the decision and the email need, as it is when the job runs (one statement). */
interface Due {
  id: string;
  reason: NotificationReason;
  read: boolean;
  recipient_id: string;
  recipient_email: string;
  recipient_name: string;
  /** An ACTIVE member, or an ACTIVE guest of an organization with guests enabled: someone who can log in. */
  recipient_active: boolean;
  setting: EmailNotifications;
  /** Whether the recipient can still read what the notification points to. */
  visible: boolean;
  organization_name: string;
  actor_name: string | null;
  conversation_id: string | null;
  subject: string | null;
  comment_body: string | null;
  task_title: string | null;
}

/** Why a notification gets no email: read in the app first, or not (any more) for this recipient. */
type Skipped = 'gone' | 'read' | 'inactive' | 'setting' | 'unreadable';

function skipped(due: Due | undefined): Skipped | null {
  if (!due) return 'gone';
  if (due.read) return 'read';
  if (!due.recipient_active) return 'inactive';
  if (!notificationPolicy.allowsEmail(due.setting, due.reason)) return 'setting';
  if (!due.visible) return 'unreadable';
  return null;
}

/**
 * Runs when a notification's email is due: unless it was read in the app by
 * then, its recipient may no longer log in, their setting (as it is now)
 * does not allow it, or they can no longer read what it points to (a guest
 * removed from the conversation gets nothing about it), the email is
 * rendered from what is there now and queued for delivery, in one
 * transaction. Running twice queues it once (keyed by the notification).
 */
export function sendNotificationEmailJob(deps: { dataSource: DataSource; mail: MailService; logger: Logger }): JobHandler<NotificationEmailPayload> {
  const { dataSource, mail, logger } = deps;
  return async ({ notificationId }) => {
    await dataSource.transaction(async (manager) => {
      const [due]: (Due | undefined)[] = await manager.query(
        `SELECT n.id, n.reason, n.read_at IS NOT NULL AS read,
                r.id AS recipient_id, r.email AS recipient_email, r.name AS recipient_name,
                (r.status = 'ACTIVE' AND (r.kind = 'MEMBER' OR o.guests_enabled)) AS recipient_active,
                coalesce(s.email, 'ALL') AS setting,
                ${visibleToRecipient('n', 'r')} AS visible,
                o.name AS organization_name, a.name AS actor_name,
                n.conversation_id, c.subject, cm.body AS comment_body, t.title AS task_title
           FROM notifications n
           JOIN actors r ON r.id = n.recipient_id
           JOIN organizations o ON o.id = n.organization_id
           LEFT JOIN notification_settings s ON s.actor_id = r.id
           LEFT JOIN actors a ON a.id = n.actor_id
           LEFT JOIN conversations c ON c.id = n.conversation_id
           LEFT JOIN comments cm ON cm.id = n.comment_id
           LEFT JOIN tasks t ON t.id = n.task_id
          WHERE n.id = $1`,
        [notificationId],
      );
      const skip = skipped(due);
      if (skip || !due) {
        logger.info({ notificationId, skipped: skip }, 'notification email not sent');
        return;
      }
      await mail.enqueue(
        manager,
        renderNotificationEmail({
          notificationId: due.id,
          reason: due.reason,
          to: { address: due.recipient_email, name: due.recipient_name, actorId: due.recipient_id },
          actorName: due.actor_name,
          organizationName: due.organization_name,
          conversation: due.conversation_id ? { subject: due.subject, url: mail.url(`conversations/${toGlobalId('Conversation', due.conversation_id)}`) } : null,
          commentBody: due.comment_body,
          taskTitle: due.task_title,
          appUrl: mail.url(''),
        }),
      );
    });
  };
}
