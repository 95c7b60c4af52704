import type { Viewer } from '../auth/viewer';
import type { ConversationEntity } from '../conversation/conversation.entity';
import { conversationPolicy } from '../conversation/conversation.policy';
import type { EmailNotifications } from './notification-settings.entity';
import type { NotificationReason } from './notification.entity';

/** What a visibility check needs of a notification: whose it is, and the conversation it points into (if any). */
export interface NotificationTarget {
  readonly recipientId: string;
  readonly organizationId: string;
  readonly conversation: Pick<ConversationEntity, 'id' | 'organizationId' | 'kind'> | null;
}

/**
 * Who sees which notification, and which reach the inbox. `canSee` and its
 * SQL twin `visibleToRecipient` (below) are one rule in two forms: lists,
 * counts and emails decide in the database, live events with the function,
 * on viewers re-read for each batch.
 */
export const notificationPolicy = {
  /**
   * Only the recipient, and only while they can read what it points to: a
   * guest removed from a conversation (or whose access expired) no longer
   * sees its notifications; they come back if the access does.
   */
  canSee(viewer: Viewer, notification: NotificationTarget, now = Date.now()): boolean {
    if (notification.recipientId !== viewer.actorId || notification.organizationId !== viewer.organizationId) return false;
    return notification.conversation === null || conversationPolicy.canRead(viewer, notification.conversation, now);
  },

  /** Whether a notification for this reason may be emailed under the recipient's setting: ALL, MENTIONS (mentions only) or NONE. */
  allowsEmail(setting: EmailNotifications, reason: NotificationReason): boolean {
    return setting === 'ALL' || (setting === 'MENTIONS' && reason === 'MENTIONED');
  },
};

/**
 * SQL: whether notification `n` points only at what its recipient `r` (their
 * `actors` row) can read now: nothing, or a conversation a member reads, or
 * one a guest has a live access to (guests are only ever given threads).
 * What `canSee` decides for a viewer.
 */
export const visibleToRecipient = (n: string, r: string) =>
  `(${n}.conversation_id IS NULL OR ${r}.kind = 'MEMBER'
    OR EXISTS (SELECT 1 FROM live_guest_access g WHERE g.guest_id = ${r}.id AND g.conversation_id = ${n}.conversation_id))`;
