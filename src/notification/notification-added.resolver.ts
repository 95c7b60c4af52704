import { Args, ArgsType, Field, Resolver, Root, Subscription } from 'type-graphql';
import { scopeOf, type Context } from '../context';
import { overWebsocketsOnly, type Delivery } from '../realtime/delivery';
import type { LoadedNotification } from './notification.loader';
import { Notification } from './notification.type';

@ArgsType()
export class NotificationAddedArgs {
  @Field(() => String, { nullable: true, description: 'A notification cursor: those created after it are sent first.' })
  after?: string | null;
}

/** The viewer's own notifications, from this instance's feed of their organization (see src/realtime). */
async function subscribe(context: Context, { after }: NotificationAddedArgs): Promise<AsyncIterableIterator<Delivery>> {
  if (!context.connection) throw overWebsocketsOnly();
  const { viewer } = scopeOf(context);
  const afterSeq = context.services.cursors.of('notifications', viewer.actorId).decode(after, 'after');
  return context.services.realtime.subscribeToNotifications({ viewer, connection: context.connection }, afterSeq === null ? null : BigInt(afterSeq));
}

@Resolver()
export class NotificationAddedResolver {
  @Subscription(() => Notification, {
    description: [
      "The viewer's own new notifications, live, from every server instance. With",
      '`after` (a notification cursor), those created after it are sent first, each once.',
    ].join('\n'),
    subscribe: ({ args, context }) => subscribe(context as Context, args as NotificationAddedArgs),
  })
  notificationAdded(@Root() delivery: Delivery | undefined, @Args() _args: NotificationAddedArgs): LoadedNotification {
    // Over HTTP graphql-js runs the field once, with no event at all.
    if (!delivery) throw overWebsocketsOnly();
    if (delivery.kind === 'denied') throw delivery.error;
    if (delivery.kind !== 'notification') throw new Error(`notificationAdded got a ${delivery.kind} delivery`);
    return delivery.notification;
  }
}
