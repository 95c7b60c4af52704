import { Args, ArgsType, Ctx, Field, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../context';
import type { Delivery } from '../realtime/conversation-feed';
import type { LoadedComment } from './comment.loader';
import { Comment } from './comment.type';

@ArgsType()
export class CommentAddedArgs {
  @Field(() => ID)
  conversationId: string;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

@Resolver()
export class CommentAddedResolver {
  /**
   * `subscribe` hands over to this instance's real-time service (it travels
   * in the context: the schema is shared by every instance in a process);
   * each delivery then resolves as its own subscriber.
   */
  @Subscription(() => Comment, {
    description: [
      'Each new comment of one conversation, live, from every server instance.',
      'With `after` (a comment cursor), the comments created after it are sent',
      'first, then the live ones, each exactly once.',
    ].join('\n'),
    subscribe: ({ args, context }) => {
      const { conversationId, after } = args as CommentAddedArgs;
      return (context as Context).services.realtime.subscribeToComments(context as Context, conversationId, after ?? null);
    },
  })
  commentAdded(@Root() delivery: Delivery | undefined, @Ctx() context: Context, @Args() _args: CommentAddedArgs): LoadedComment {
    return context.services.realtime.present(context, delivery);
  }
}
