import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Actor } from '../actor/actor.type';
import type { LoadedComment } from '../comment/comment.loader';
import { Comment } from '../comment/comment.type';
import { scopeOf, type Context } from '../context';
import type { ConversationEntity } from '../conversation/conversation.entity';
import { Conversation } from '../conversation/conversation.type';
import { toGlobalId } from '../ids';
import type { LoadedTask } from '../task/task.loader';
import { Task } from '../task/task.type';
import type { NotificationSettings as Settings } from './notification-settings.service';
import { MarkNotificationsReadInput, UpdateNotificationSettingsInput } from './notification.inputs';
import type { LoadedNotification } from './notification.loader';
import type { NotificationPage } from './notification.service';
import { Notification, NotificationConnection, NotificationSettings } from './notification.type';

@ArgsType()
class NotificationsArgs {
  @Field(() => Int, { nullable: true, defaultValue: 20, description: 'At most 100.' })
  first: number;

  @Field(() => String, { nullable: true, description: 'The cursor of the last notification of the previous page: the older ones after it come next.' })
  after?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Only those not read yet.' })
  unreadOnly?: boolean | null;
}

/**
 * The viewer's own notifications. What each one points to was read with it
 * (one statement per page), and only while the viewer can read it: the
 * fields below return what is already there.
 */
@Resolver(() => Notification)
export class NotificationResolver {
  @Authorized()
  @Query(() => NotificationConnection, { description: "The viewer's own notifications, newest first (SPEC §12)." })
  notifications(@Args() { first, after, unreadOnly }: NotificationsArgs, @Ctx() context: Context): Promise<NotificationPage> {
    return context.services.notifications.list(scopeOf(context).viewer, { first, after, unreadOnly: unreadOnly ?? false });
  }

  @Authorized()
  @Mutation(() => Int, { description: 'How many notifications became read.' })
  markNotificationsRead(@Arg('input', { description: 'The viewer\'s own notifications to mark read, or all of them.' }) input: MarkNotificationsReadInput, @Ctx() context: Context): Promise<number> {
    return context.services.notifications.markRead(scopeOf(context).viewer, input);
  }

  @FieldResolver(() => ID, { description: 'Global ID of the notification.' })
  id(@Root() notification: LoadedNotification): string {
    return toGlobalId('Notification', notification.id);
  }

  /** The recipient may always know who did what the notification says, as a guest knows who invited them. */
  @FieldResolver(() => Actor, { nullable: true, description: 'Who caused it.' })
  actor(@Root() notification: LoadedNotification): ActorEntity | null {
    return notification.actor;
  }

  @FieldResolver(() => Conversation, { nullable: true, description: 'Where it happened; null for GUEST_JOINED.' })
  conversation(@Root() notification: LoadedNotification): ConversationEntity | null {
    return notification.conversation;
  }

  @FieldResolver(() => Comment, { nullable: true, description: 'MENTIONED: the comment that mentions the viewer.' })
  comment(@Root() notification: LoadedNotification): LoadedComment | null {
    return notification.comment;
  }

  @FieldResolver(() => Task, { nullable: true, description: 'TASK_ASSIGNED: the task.' })
  task(@Root() notification: LoadedNotification): LoadedTask | null {
    return notification.task;
  }
}

/** The viewer's own notification settings: every member and guest has them. */
@Resolver(() => NotificationSettings)
export class NotificationSettingsResolver {
  @Authorized()
  @Query(() => NotificationSettings, { description: "The viewer's own notification settings." })
  notificationSettings(@Ctx() context: Context): Promise<Settings> {
    return context.services.notificationSettings.ofViewer(scopeOf(context).viewer);
  }

  @Authorized()
  @Mutation(() => NotificationSettings, { description: "Changes the viewer's own notification settings; answers them as they are now." })
  updateNotificationSettings(@Arg('input', { description: 'The new settings.' }) input: UpdateNotificationSettingsInput, @Ctx() context: Context): Promise<Settings> {
    return context.services.notificationSettings.updateForViewer(scopeOf(context).viewer, input);
  }
}
