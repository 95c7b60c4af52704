import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { canSeeActor } from '../actor/actor.policy';
import { Gate } from '../auth/auth-checker';
import { scopeOf, type Context } from '../context';
import type { ConversationEntity } from '../conversation/conversation.entity';
import { Conversation } from '../conversation/conversation.type';
import { toGlobalId } from '../ids';
import { User } from '../user/user.type';
import type { GuestAccessEntity } from './guest-access.entity';
import { GuestAccess } from './guest-access.type';
import type { OrganizationGuestSettings } from './guest-settings';
import { GuestInvitationPayload, GuestSettings } from './guest-settings.type';
import { GuestConversationInput, InviteGuestInput, RevokeGuestInput, UpdateGuestAccessInput, UpdateGuestSettingsInput } from './guest.inputs';
import { Guest } from './guest.type';

@Resolver(() => Guest)
export class GuestResolver {
  @Authorized(Gate.MEMBER)
  @Mutation(() => GuestInvitationPayload, {
    description:
      'Members only (as guest settings allow): invites a guest into a conversation, or gives an existing guest of the organization one more conversation. Over a limit: GUEST_LIMIT_REACHED or GUEST_CONVERSATION_LIMIT_REACHED.',
  })
  inviteGuest(@Arg('input', { description: 'Whom to invite, and where.' }) input: InviteGuestInput, @Ctx() { viewer, services, client }: Context): Promise<GuestInvitationPayload> {
    return services.guests.invite(viewer!, input, client);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Guest, { description: 'Members only (as guest settings allow): gives a guest of the organization access to one more conversation.' })
  addGuestToConversation(@Arg('input', { description: 'The guest and the conversation.' }) input: GuestConversationInput, @Ctx() { viewer, services, client }: Context): Promise<ActorEntity> {
    return services.guests.addToConversation(viewer!, input, client);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Guest, {
    description: "Members only (as guest settings allow): ends a guest's access to one conversation, at once, open subscriptions included. Their comments stay.",
  })
  removeGuestFromConversation(@Arg('input', { description: 'The guest and the conversation.' }) input: GuestConversationInput, @Ctx() { viewer, services, client }: Context): Promise<ActorEntity> {
    return services.guests.removeFromConversation(viewer!, input, client);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Guest, { description: 'Members only (as guest settings allow): ends every session and access of the guest. Their comments stay.' })
  revokeGuest(@Arg('input', { description: 'The guest.' }) input: RevokeGuestInput, @Ctx() { viewer, services, client }: Context): Promise<ActorEntity> {
    return services.guests.revoke(viewer!, input, client);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => GuestAccess, {
    description: 'Members only (as guest settings allow): changes the level or the end of a live access; open subscriptions follow at once.',
  })
  updateGuestAccess(@Arg('input', { description: 'The access, and what to change.' }) input: UpdateGuestAccessInput, @Ctx() { viewer, services, client }: Context): Promise<GuestAccessEntity> {
    return services.guests.updateAccess(viewer!, input, client);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'A guest leaves one of their conversations (their access ends at once); members: FORBIDDEN.' })
  leaveConversation(@Arg('conversationId', () => ID, { description: 'The conversation to leave.' }) conversationId: string, @Ctx() { viewer, services, client }: Context): Promise<boolean> {
    return services.guests.leave(viewer!, conversationId, client);
  }

  @Authorized(Gate.ADMIN)
  @Mutation(() => GuestSettings, { description: 'Owners and admins only: changes the guest settings.' })
  updateGuestSettings(@Arg('input', { description: 'What to change.' }) input: UpdateGuestSettingsInput, @Ctx() { viewer, services, client }: Context): Promise<OrganizationGuestSettings> {
    return services.guests.updateSettings(viewer!, input, client);
  }

  @FieldResolver(() => ID)
  id(@Root() guest: ActorEntity): string {
    return toGlobalId('Guest', guest.id);
  }

  /**
   * A guest knows who invited them; another guest's inviter is shown to a guest only if that member is
   * present with them (the actor policy), like `node(id)` would: otherwise null, as if unknown.
   */
  @FieldResolver(() => User, { nullable: true })
  async invitedBy(@Root() guest: ActorEntity, @Ctx() context: Context): Promise<ActorEntity | null> {
    if (!guest.invitedById) return null;
    const inviter = await context.loaders.actor.load(guest.invitedById);
    if (!inviter || guest.id === context.viewer?.actorId) return inviter;
    return (await canSeeActor(scopeOf(context), inviter)) ? inviter : null;
  }

  @Authorized(Gate.SELF_OR_MEMBER)
  @FieldResolver(() => [Conversation], { nullable: true, description: 'members, and the guest themself' })
  conversations(@Root() guest: ActorEntity, @Ctx() { loaders }: Context): Promise<ConversationEntity[]> {
    return loaders.guestConversations.load(guest.id);
  }

  @Authorized(Gate.SELF_OR_MEMBER)
  @FieldResolver(() => [GuestAccess], { nullable: true, description: 'members, and the guest themself: current accesses, soonest expiry first, then oldest' })
  accesses(@Root() guest: ActorEntity, @Ctx() { loaders }: Context): Promise<GuestAccessEntity[]> {
    return loaders.guestAccesses.load(guest.id);
  }

  @FieldResolver(() => Int)
  conversationCount(@Root() guest: ActorEntity, @Ctx() context: Context): Promise<number> {
    return context.services.guests.conversationCount(scopeOf(context), guest);
  }

  @FieldResolver(() => Int, { description: 'How many conversations a guest may have access to at once.' })
  conversationLimit(@Ctx() { services }: Context): number {
    return services.guests.conversationLimit;
  }
}
