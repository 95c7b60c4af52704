import { Arg, Ctx, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../context';
import type { Delivery } from '../realtime/conversation-feed';
import type { LoadedComment } from './comment.loader';
import { Comment } from './comment.type';

@Resolver()
export class CommentAddedResolver {
  @Subscription(() => Comment, {
    description: [
      'Each new comment of one conversation, live, from every server instance.',
      'With `after` (a comment cursor), the comments created after it are sent',
      'first, then the live ones, each exactly once.',
    ].join('\n'),
    subscribe: ({ args, context }) =>
      (context as Context).services.realtime.subscribeToComments(context as Context, args.conversationId, args.after ?? null),
  })
  commentAdded(
    @Root() delivery: Delivery,
    @Ctx() context: Context,
    // Declared for the schema; read by `subscribe` above.
    @Arg('conversationId', () => ID) _conversationId: string,
    @Arg('after', () => String, { nullable: true }) _after?: string | null,
  ): LoadedComment {
    return context.services.realtime.present(context, delivery);
  }
}
