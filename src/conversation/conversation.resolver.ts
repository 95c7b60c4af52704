import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
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
import { decodeId, toGlobalId } from '../ids';
import type { LoadedMessage } from '../message/message.loader';
import { MessageConnection } from '../message/message.type';
import { type Connection, MAX_PAGE_SIZE } from '../pagination';
import type { LoadedTask } from '../task/task.loader';
import { Task } from '../task/task.type';
import type { TeamEntity } from '../team/team.entity';
import { Team } from '../team/team.type';
import { User } from '../user/user.type';
import type { ConversationEntity } from './conversation.entity';
import { loadCommentPage, loadMessagePage, prefetchConversationPage } from './conversation-page';
import { CreateChatRoomInput, CreateConversationInput, UpdateConversationInput } from './conversation.inputs';
import { conversationPolicy } from './conversation.policy';
import { Conversation, ConversationConnection } from './conversation.type';

@ArgsType()
export class PageArgsInput {
  @Field(() => Int, { nullable: true, defaultValue: 20, description: `How many items, from the start (at most ${MAX_PAGE_SIZE}).` })
  first: number;

  @Field(() => String, { nullable: true, description: 'The items after this cursor (an `endCursor` or edge `cursor` of this list).' })
  after?: string | null;
}

/**
 * Relay pagination both ways. `first` has no default value in the schema, so
 * that `last: 5` alone means the last five: with neither, the page is the
 * first 20.
 */
@ArgsType()
export class ItemPageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `How many items, from the start of the window (at most ${MAX_PAGE_SIZE}). With neither \`first\` nor \`last\`: the first 20.`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The window starts after this cursor (an `endCursor` or edge `cursor` of this list).' })
  after?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: `How many items, from the end of the window (at most ${MAX_PAGE_SIZE}): \`last: 5\` is the newest five. With \`first\` too, the last of those first items (Relay).`,
  })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'The window ends before this cursor (a `startCursor` or edge `cursor` of this list).' })
  before?: string | null;
}

@Resolver(() => Conversation)
export class ConversationResolver {
  @Authorized()
  @Query(() => ConversationConnection, { description: 'Newest first: every conversation for members, those they were invited to for guests.' })
  conversations(@Args() { first, after }: PageArgsInput, @Ctx() { viewer, services }: Context): Promise<Connection<ConversationEntity>> {
    return services.conversations.list(viewer!, { first, after });
  }

  @Authorized()
  @Query(() => Conversation, { nullable: true, description: 'One conversation the viewer may read; NOT_FOUND otherwise, exactly as for an ID that does not exist.' })
  conversation(@Arg('id', () => ID, { description: 'A Conversation ID.' }) id: string, @Ctx() context: Context, @Info() info: GraphQLResolveInfo): Promise<ConversationEntity> {
    const scope = scopeOf(context);
    const conversationId = decodeId(id, 'Conversation');
    prefetchConversationPage(scope, context.services.cursors, conversationId, info);
    return context.services.conversations.findReadable(scope, conversationId);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Conversation, { description: 'Members only: a new thread; its creator takes part in it.' })
  createConversation(@Arg('input', { description: 'Its subject and team.' }) input: CreateConversationInput, @Ctx() { viewer, services }: Context): Promise<ConversationEntity> {
    return services.conversations.create(viewer!, input);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Conversation, { description: 'Members only: an internal chat room; every member takes part, guests never.' })
  createChatRoom(@Arg('input', { description: 'Its name.' }) input: CreateChatRoomInput, @Ctx() { viewer, services }: Context): Promise<ConversationEntity> {
    return services.conversations.createChatRoom(viewer!, input);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Conversation, { description: 'Members only: changes the settings of a conversation; fields left out stay as they are.' })
  updateConversation(@Arg('input', { description: 'The conversation and what to change.' }) { id, ...fields }: UpdateConversationInput, @Ctx() { viewer, services, client }: Context): Promise<ConversationEntity> {
    return services.conversations.update(viewer!, id, fields, client);
  }

  @FieldResolver(() => ID)
  id(@Root() conversation: ConversationEntity): string {
    return toGlobalId('Conversation', conversation.id);
  }

  @FieldResolver(() => MessageConnection, { description: 'External messages, oldest first; `last`/`before` page backwards from the newest.' })
  messages(@Root() conversation: ConversationEntity, @Args() request: ItemPageArgs, @Ctx() { loaders, services }: Context): Promise<Connection<LoadedMessage>> {
    return loadMessagePage({ loaders }, services.cursors, conversation.id, request);
  }

  @FieldResolver(() => CommentConnection, { description: 'Internal comments, oldest first; `last`/`before` page backwards from the newest.' })
  comments(@Root() conversation: ConversationEntity, @Args() request: ItemPageArgs, @Ctx() { loaders, services }: Context): Promise<Connection<LoadedComment>> {
    return loadCommentPage({ loaders }, services.cursors, conversation.id, request);
  }

  @FieldResolver(() => [Task], { description: 'Its tasks, oldest first.' })
  tasks(@Root() conversation: ConversationEntity, @Ctx() { loaders }: Context): Promise<LoadedTask[]> {
    return loaders.tasksByConversation.load(conversation.id);
  }

  @FieldResolver(() => [Actor], { description: 'Members and guests present in the conversation, in order of arrival.' })
  async participants(@Root() conversation: ConversationEntity, @Ctx() { loaders }: Context): Promise<ActorEntity[]> {
    return (await loaders.presence.load(conversation.id)).participants;
  }

  @FieldResolver(() => [Guest], { description: 'Guests with access to this conversation now.' })
  async guests(@Root() conversation: ConversationEntity, @Ctx() { loaders }: Context): Promise<ActorEntity[]> {
    return (await loaders.presence.load(conversation.id)).guests;
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => Team, { nullable: true, description: 'Members only: the team it belongs to, if any.' })
  team(@Root() conversation: ConversationEntity, @Ctx() { loaders }: Context): Promise<TeamEntity | null> | null {
    return conversation.teamId ? loaders.teamOfConversation.load(conversation.id) : null;
  }

  @Authorized(Gate.MEMBER)
  @FieldResolver(() => [User], { nullable: true, description: 'Members only: the members it is assigned to.' })
  async assignees(@Root() conversation: ConversationEntity, @Ctx() { loaders }: Context): Promise<ActorEntity[]> {
    return (await loaders.presence.load(conversation.id)).assignees;
  }

  @FieldResolver(() => GuestAccess, { nullable: true, description: "The viewer's own access, for a guest; null for members." })
  async viewerGuestAccess(@Root() conversation: ConversationEntity, @Ctx() { viewer, loaders }: Context): Promise<GuestAccessEntity | null> {
    if (!viewer || !isGuest(viewer)) return null;
    const accesses = await loaders.guestAccesses.load(viewer.actorId);
    return accesses.find((access) => access.conversationId === conversation.id) ?? null;
  }

  @FieldResolver(() => Boolean, { description: 'Whether the viewer may post a comment here (show the comment box).' })
  viewerCanComment(@Root() conversation: ConversationEntity, @Ctx() { viewer }: Context): boolean {
    return conversationPolicy.canComment(viewer!, conversation);
  }

  @FieldResolver(() => Boolean, { description: 'Whether the viewer may reply to the outside world here (never a guest, never in a chat room).' })
  viewerCanReply(@Root() conversation: ConversationEntity, @Ctx() { viewer }: Context): boolean {
    return conversationPolicy.canReply(viewer!, conversation);
  }

  @FieldResolver(() => Boolean, { description: 'Whether the viewer may change its settings, assignees, labels and tasks (members).' })
  viewerCanManage(@Root() _conversation: ConversationEntity, @Ctx() { viewer }: Context): boolean {
    return conversationPolicy.canManage(viewer!);
  }

  @FieldResolver(() => Boolean, { description: 'Whether the viewer may invite guests into it now (their role, the guest settings, and `allowGuests`).' })
  viewerCanInviteGuests(@Root() conversation: ConversationEntity, @Ctx() { viewer }: Context): boolean {
    return guestPolicy.canInvite(viewer!, conversation);
  }
}
