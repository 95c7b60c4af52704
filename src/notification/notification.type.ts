import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Actor } from '../actor/actor.type';
import { Comment } from '../comment/comment.type';
import { Conversation } from '../conversation/conversation.type';
import { Node } from '../node/node.type';
import { connectionTypes } from '../pagination.type';
import { Task } from '../task/task.type';
import { EMAIL_NOTIFICATIONS, type EmailNotifications } from './notification-settings.entity';
import { NotificationReason } from './notification.entity';

registerEnumType(NotificationReason, {
  name: 'NotificationReason',
  description: 'Why the viewer was notified (SPEC §12).',
  valuesConfig: {
    MENTIONED: { description: 'Someone mentioned the viewer in a comment.' },
    TASK_ASSIGNED: { description: 'A task was assigned to the viewer.' },
    ADDED_TO_CONVERSATION: { description: 'The viewer (a guest) was given access to a conversation.' },
    GUEST_JOINED: { description: 'A guest the viewer invited joined.' },
  },
});

/** The GraphQL enum of the settings' values, declared once with the entity (EMAIL_NOTIFICATIONS). */
export const EmailNotificationsEnum = Object.fromEntries(EMAIL_NOTIFICATIONS.map((value) => [value, value])) as { [K in EmailNotifications]: K };

registerEnumType(EmailNotificationsEnum, {
  name: 'EmailNotifications',
  description: 'Which notifications also reach the viewer by email, EMAIL_DELAY_SECONDS after them.',
  valuesConfig: {
    ALL: { description: 'Every notification, unless read in the app before its email would go out.' },
    MENTIONS: { description: 'Only mentions.' },
    NONE: { description: 'No notification emails (what the unsubscribe link of every email sets).' },
  },
});

@ObjectType('Notification', { implements: Node, description: 'Something the viewer should hear of (SPEC §12).' })
export class Notification extends Node {
  @Field(() => ID, { description: 'Global ID of the notification.' })
  declare id: string;

  @Field(() => NotificationReason, { description: 'Why the viewer got it.' })
  reason: NotificationReason;

  @Field(() => Actor, { nullable: true, description: 'Who caused it.' })
  actor: Actor | null;

  @Field(() => Conversation, { nullable: true, description: 'Where it happened; null for GUEST_JOINED.' })
  conversation: Conversation | null;

  @Field(() => Comment, { nullable: true, description: 'MENTIONED: the comment that mentions the viewer.' })
  comment: Comment | null;

  @Field(() => Task, { nullable: true, description: 'TASK_ASSIGNED: the task.' })
  task: Task | null;

  @Field({ description: 'When it happened (its cause committed).' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the viewer marked it read; null while unread.' })
  readAt: Date | null;
}

const { ConnectionType } = connectionTypes('Notification', Notification, 'notifications');

@ObjectType('NotificationConnection', { description: 'A page of notifications (a Relay cursor connection), with how many are unread.' })
export class NotificationConnection extends ConnectionType {
  @Field(() => Int, { description: 'Unread notifications the viewer can see, whatever the page and `unreadOnly`.' })
  unreadCount: number;
}

@ObjectType('NotificationSettings', { description: "The viewer's own notification settings (every member and guest has them)." })
export class NotificationSettings {
  @Field(() => EmailNotificationsEnum, { description: 'Which notifications also come by email (ALL until changed).' })
  email: EmailNotifications;
}
