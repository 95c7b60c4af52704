import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Actor } from '../actor/actor.type';
import { Gate } from '../auth/auth-checker';
import { isGuest } from '../auth/viewer';
import { CommentConnection } from '../comment/comment.type';
import type { LoadedComment } from '../comment/comment.loader';
import { scopeOf, type Context } from '../context';
import type { GuestAccessEntity } from '../guest/guest-access.entity';
import { GuestAccess } from '../guest/guest-access.type';
import { guestPolicy } from '../guest/guest.policy';
import { Guest } from '../guest/guest.type';
import { toGlobalId } from '../ids';
import type { LoadedMessage } from '../message/message.loader';
import { MessageConnection } from '../message/message.type';
import { type Connection, pageArgs, toConnection } from '../pagination';
import type { LoadedTask } from '../task/task.loader';
import { Task } from '../task/task.type';
import type { TeamEntity } from '../team/team.entity';
import { Team } from '../team/team.type';
import { User } from '../user/user.type';
import type { ConversationEntity } from './conversation.entity';
import { CreateChatRoomInput, CreateConversationInput, UpdateConversationInput } from './conversation.inputs';
import { conversationPolicy } from './conversation.policy';
import { Conversation, ConversationConnection } from './conversation.type';

@ArgsType()
export class PageArgsInput {
  @Field(() => Int, { nullable: true, defaultValue: 20, description: 'At most 100.' })
  first: number;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

@Resolver(() => Conversation)
export class ConversationResolver {
  @Authorized()
  @Query(() => ConversationConnection, { description: 'Newest first: every conversation for members, those they were invited to for guests.' })
  conversations(@Args() { first, after }: PageArgsInput, @Ctx() { viewer, services }: Context): Promise<Connection<ConversationEntity>> {
    return services.conversations.list(viewer!, pageArgs(first, after));
  }

  @Authorized()
  @Query(() => Conversation, { nullable: true })
  conversation(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<ConversationEntity> {
    return context.services.conversations.findReadableByGlobalId(scopeOf(context), id);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Conversation)
  createConversation(@Arg('input') input: CreateConversationInput, @Ctx() { viewer, services }: Context): Promise<ConversationEntity> {
    return services.conversations.create(viewer!, input);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Conversation, { description: 'An internal chat room: every member takes part; guests never.' })
  createChatRoom(@Arg('input') input: CreateChatRoomInput, @Ctx() { viewer, services }: Context): Promise<ConversationEntity> {
    return services.conversations.createChatRoom(viewer!, input);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Conversation)
  updateConversation(@Arg('input') { id, ...fields }: UpdateConversationInput, @Ctx() { viewer, services, client }: Context): Promise<ConversationEntity> {
    return services.conversations.update(viewer!, id, fields, client);
  }

  @FieldResolver(() => ID)
  id(@Root() conversation: ConversationEntity): string {
    return toGlobalId('Conversation', conversation.id);
  }

  @FieldResolver(() => MessageConnection)
  async messages(@Root() conversation: ConversationEntity, @Args() { first, after }: PageArgsInput, @Ctx() { loaders }: Context): Promise<Connection<LoadedMessage>> {
    const args = pageArgs(first, after);
    return toConnection(await loaders.messagePage.load({ parentId: conversation.id, args }), args);
  }

  @FieldResolver(() => CommentConnection, { description: 'Oldest first.' })
  async comments(@Root() conversation: ConversationEntity, @Args() { first, after }: PageArgsInput, @Ctx() { loaders }: Context): Promise<Connection<LoadedComment>> {
    const args = pageArgs(first, after);
    return toConnection(await loaders.commentPage.load({ parentId: conversation.id, args }), args);
  }

  @FieldResolver(() => [Task])
  tasks(@Root() conversation: ConversationEntity, @Ctx() { loaders }: Context): Promise<LoadedTask[]> {
    return loaders.tasksByConversation.load(conversation.id);
  }

  @FieldResolver(() => [Actor])
  async participants(@Root() conversation: ConversationEntity, @Ctx() { loaders }: Context): Promise<ActorEntity[]> {
    return (await loaders.presence.load(conversation.id)).participants;
  }

  @FieldResolver(() => [Guest], { description: 'Guests with access to this conversation now.' })
  async guests(@Root() conversation: ConversationEntity, @Ctx() { loaders }: Context): Promise<ActorEntity[]> {
    return (await loaders.presence.load(conversation.id)).guests;
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => Team, { nullable: true, description: 'members only' })
  team(@Root() conversation: ConversationEntity, @Ctx() { loaders }: Context): Promise<TeamEntity | null> | null {
    return conversation.teamId ? loaders.team.load(conversation.teamId) : null;
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => [User], { nullable: true, description: 'members only' })
  async assignees(@Root() conversation: ConversationEntity, @Ctx() { loaders }: Context): Promise<ActorEntity[]> {
    return (await loaders.presence.load(conversation.id)).assignees;
  }

  @FieldResolver(() => GuestAccess, { nullable: true, description: "The viewer's own access, for a guest; null for members." })
  async viewerGuestAccess(@Root() conversation: ConversationEntity, @Ctx() { viewer, loaders }: Context): Promise<GuestAccessEntity | null> {
    if (!viewer || !isGuest(viewer)) return null;
    const accesses = await loaders.guestAccesses.load(viewer.actorId);
    return accesses.find((access) => access.conversationId === conversation.id) ?? null;
  }

  @FieldResolver(() => Boolean)
  viewerCanComment(@Root() conversation: ConversationEntity, @Ctx() { viewer }: Context): boolean {
    return conversationPolicy.canComment(viewer!, conversation);
  }

  @FieldResolver(() => Boolean)
  viewerCanReply(@Root() conversation: ConversationEntity, @Ctx() { viewer }: Context): boolean {
    return conversationPolicy.canReply(viewer!, conversation);
  }

  @FieldResolver(() => Boolean)
  viewerCanManage(@Root() _conversation: ConversationEntity, @Ctx() { viewer }: Context): boolean {
    return conversationPolicy.canManage(viewer!);
  }

  @FieldResolver(() => Boolean)
  viewerCanInviteGuests(@Root() conversation: ConversationEntity, @Ctx() { viewer }: Context): boolean {
    return guestPolicy.canInvite(viewer!, conversation);
  }
}
