import type { DataSource } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import { COMMENT_WITH_RELATIONS, hydrateComment, type LoadedComment } from '../comment/comment.loader';
import { ConversationEntity } from '../conversation/conversation.entity';
import { hydrate } from '../hydrate';
import { hydrateTask, TASK_WITH_RELATIONS, type LoadedTask } from '../task/task.loader';
import { NotificationEntity } from './notification.entity';

/**
 * A notification with everything it points to, read in the same statement:
 * a page of them, or a live event, resolves without a query per item (and,
 * for an event, without a query per subscriber).
 */
export type LoadedNotification = NotificationEntity & {
  actor: ActorEntity | null;
  conversation: ConversationEntity | null;
  comment: LoadedComment | null;
  task: LoadedTask | null;
};

/** Columns of `n` plus its actor, conversation, comment (with its own relations) and task as JSON. */
export const NOTIFICATION_WITH_RELATIONS = `
  n.*,
  (SELECT to_jsonb(a) FROM actors a WHERE a.id = n.actor_id) AS actor_json,
  (SELECT to_jsonb(c) FROM conversations c WHERE c.id = n.conversation_id) AS conversation_json,
  (SELECT to_jsonb(x) FROM (SELECT ${COMMENT_WITH_RELATIONS} FROM comments c WHERE c.id = n.comment_id) x) AS comment_json,
  (SELECT to_jsonb(x) FROM (SELECT ${TASK_WITH_RELATIONS} FROM tasks t WHERE t.id = n.task_id) x) AS task_json`;

export function hydrateNotification(dataSource: DataSource, row: Record<string, any>): LoadedNotification {
  const notification = hydrate(dataSource, NotificationEntity, row) as LoadedNotification;
  notification.actor = row.actor_json ? hydrate(dataSource, ActorEntity, row.actor_json) : null;
  notification.conversation = row.conversation_json ? hydrate(dataSource, ConversationEntity, row.conversation_json) : null;
  notification.comment = row.comment_json ? hydrateComment(dataSource, row.comment_json) : null;
  notification.task = row.task_json ? hydrateTask(dataSource, row.task_json) : null;
  return notification;
}
