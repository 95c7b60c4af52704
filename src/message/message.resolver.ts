import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import type { AttachmentEntity } from '../attachment/attachment.entity';
import { Attachment } from '../attachment/attachment.type';
import { Gate } from '../auth/auth-checker';
import type { Context } from '../context';
import { toGlobalId } from '../ids';
import { User } from '../user/user.type';
import { CreateMessageInput, ReplyInput } from './message.inputs';
import type { LoadedMessage } from './message.loader';
import { Message } from './message.type';

@Resolver(() => Message)
export class MessageResolver {
  @Authorized(Gate.MEMBER)
  @Mutation(() => Message, { description: 'Members only: records an inbound external message (integrations and members).' })
  createMessage(@Arg('input', { description: 'The message as it arrived.' }) input: CreateMessageInput, @Ctx() { viewer, services }: Context): Promise<LoadedMessage> {
    return services.messages.create(viewer!, input);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Message, { description: 'Members only: replies to the outside world on the channel of the last inbound message. Guests never can.' })
  replyToConversation(@Arg('input', { description: 'The reply.' }) input: ReplyInput, @Ctx() { viewer, services }: Context): Promise<LoadedMessage> {
    return services.messages.reply(viewer!, input);
  }

  @FieldResolver(() => ID)
  id(@Root() message: LoadedMessage): string {
    return toGlobalId('Message', message.id);
  }

  @FieldResolver(() => User, { nullable: true })
  async author(@Root() message: LoadedMessage, @Ctx() { loaders }: Context): Promise<ActorEntity | null> {
    if (message.author !== undefined) return message.author;
    return message.authorId ? loaders.actor.load(message.authorId) : null;
  }

  @FieldResolver(() => String)
  cursor(@Root() message: LoadedMessage, @Ctx() { services }: Context): string {
    return services.cursors.of('messages', message.conversationId).encode(message.seq);
  }

  @FieldResolver(() => [Attachment])
  attachments(@Root() message: LoadedMessage, @Ctx() { loaders }: Context): AttachmentEntity[] | Promise<AttachmentEntity[]> {
    return message.attachments ?? loaders.attachmentsByMessage.load(message.id);
  }
}
