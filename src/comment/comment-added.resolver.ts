import { Args, ArgsType, Field, ID, Resolver, Root, Subscription } from 'type-graphql';
import { scopeOf, type Context } from '../context';
import { overWebsocketsOnly, type Delivery } from '../realtime/delivery';
import type { LoadedComment } from './comment.loader';
import { Comment } from './comment.type';

@ArgsType()
export class CommentAddedArgs {
  @Field(() => ID, { description: 'The Conversation ID.' })
  conversationId: string;

  @Field(() => String, {
    nullable: true,
    description: 'The cursor of the last comment you saw (`Comment.cursor` or a `comments` edge cursor): the comments after it come first. Pass it again when you resubscribe after a dropped socket.',
  })
  after?: string | null;
}

/**
 * NOT_FOUND unless the viewer may read the conversation; then this
 * instance's feed of it hands the subscriber its comments (see src/realtime).
 */
async function subscribe(context: Context, { conversationId, after }: CommentAddedArgs): Promise<AsyncIterableIterator<Delivery>> {
  if (!context.connection) throw overWebsocketsOnly();
  const scope = scopeOf(context);
  const conversation = await context.services.conversations.findReadableByGlobalId(scope, conversationId);
  const afterSeq = context.services.cursors.of('comments', conversation.id).decode(after, 'after');
  return context.services.realtime.subscribeToComments(
    { viewer: scope.viewer, connection: context.connection },
    conversation,
    afterSeq === null ? null : BigInt(afterSeq),
  );
}

@Resolver()
export class CommentAddedResolver {
  @Subscription(() => Comment, {
    description: [
      'Each new comment of one conversation, live, from every server instance.',
      'With `after` (a comment cursor), the comments created after it are sent',
      'first, then the live ones, each exactly once.',
    ].join('\n'),
    subscribe: ({ args, context }) => subscribe(context as Context, args as CommentAddedArgs),
  })
  commentAdded(@Root() delivery: Delivery | undefined, @Args() _args: CommentAddedArgs): LoadedComment {
    // Over HTTP graphql-js runs the field once, with no event at all.
    if (!delivery) throw overWebsocketsOnly();
    if (delivery.kind === 'denied') throw delivery.error;
    if (delivery.kind !== 'comment') throw new Error(`commentAdded got a ${delivery.kind} delivery`);
    return delivery.comment;
  }
}
