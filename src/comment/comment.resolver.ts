import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Actor } from '../actor/actor.type';
import type { AttachmentEntity } from '../attachment/attachment.entity';
import { Attachment } from '../attachment/attachment.type';
import { scopeOf, type Context } from '../context';
import type { ConversationEntity } from '../conversation/conversation.entity';
import { Conversation } from '../conversation/conversation.type';
import { toGlobalId } from '../ids';
import { PostCommentInput } from './comment.inputs';
import type { LoadedComment } from './comment.loader';
import { Comment } from './comment.type';

@Resolver(() => Comment)
export class CommentResolver {
  @Authorized()
  @Mutation(() => Comment, {
    description: 'Posts an internal comment; members and guests with access alike. Subscribers of `commentAdded` get it at once. Mentioning someone not present: MENTION_NOT_ALLOWED.',
  })
  postComment(@Arg('input', { description: 'The comment.' }) input: PostCommentInput, @Ctx() { viewer, services }: Context): Promise<LoadedComment> {
    return services.comments.post(viewer!, input);
  }

  @FieldResolver(() => ID)
  id(@Root() comment: LoadedComment): string {
    return toGlobalId('Comment', comment.id);
  }

  /** Preloaded with the page (and with subscription events), so no query and no promise per comment. */
  @FieldResolver(() => Actor)
  author(@Root() comment: LoadedComment, @Ctx() { loaders }: Context): ActorEntity | Promise<ActorEntity> {
    return comment.author ?? (loaders.actor.load(comment.authorId) as Promise<ActorEntity>);
  }

  @FieldResolver(() => [Actor])
  mentions(@Root() comment: LoadedComment): ActorEntity[] {
    return comment.mentions ?? [];
  }

  @FieldResolver(() => [Attachment])
  attachments(@Root() comment: LoadedComment, @Ctx() { loaders }: Context): AttachmentEntity[] | Promise<AttachmentEntity[]> {
    return comment.attachments ?? loaders.attachmentsByComment.load(comment.id);
  }

  /** Sealed for the comment's own conversation, so it equals its edge cursor and `commentAdded(after:)` takes it. */
  @FieldResolver(() => String)
  cursor(@Root() comment: LoadedComment, @Ctx() { services }: Context): string {
    return services.cursors.of('comments', comment.conversationId).encode(comment.seq);
  }

  @FieldResolver(() => Conversation)
  conversation(@Root() comment: LoadedComment, @Ctx() context: Context): Promise<ConversationEntity> {
    return context.services.conversations.findReadable(scopeOf(context), comment.conversationId);
  }
}
