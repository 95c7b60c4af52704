import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { canSeeActor } from '../actor/actor.policy';
import { Gate } from '../auth/auth-checker';
import { scopeOf, type Context } from '../context';
import type { ConversationEntity } from '../conversation/conversation.entity';
import { Conversation } from '../conversation/conversation.type';
import { toGlobalId } from '../ids';
import { User } from '../user/user.type';
import { GuestInvitationPayload, GuestSettings } from './guest-settings.type';
import { GuestConversationInput, InviteGuestInput, RevokeGuestInput, UpdateGuestSettingsInput } from './guest.inputs';
import { Guest } from './guest.type';

@Resolver(() => Guest)
export class GuestResolver {
  @Authorized(Gate.MEMBER)
  @Mutation(() => GuestInvitationPayload, {
    description: 'Invites a guest into a conversation, or gives an existing guest of the organization one more conversation.',
  })
  inviteGuest(@Arg('input') input: InviteGuestInput, @Ctx() { viewer, services }: Context): Promise<GuestInvitationPayload> {
    return services.guests.invite(viewer!, input);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Guest)
  addGuestToConversation(@Arg('input') input: GuestConversationInput, @Ctx() { viewer, services }: Context): Promise<ActorEntity> {
    return services.guests.addToConversation(viewer!, input);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Guest, { description: 'Takes effect at once, open subscriptions included. Their comments stay.' })
  removeGuestFromConversation(@Arg('input') input: GuestConversationInput, @Ctx() { viewer, services }: Context): Promise<ActorEntity> {
    return services.guests.removeFromConversation(viewer!, input);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Guest, { description: 'Ends every session and access of the guest. Their comments stay.' })
  revokeGuest(@Arg('input') input: RevokeGuestInput, @Ctx() { viewer, services }: Context): Promise<ActorEntity> {
    return services.guests.revoke(viewer!, input);
  }

  @Authorized(Gate.ADMIN)
  @Mutation(() => GuestSettings)
  async updateGuestSettings(@Arg('input') input: UpdateGuestSettingsInput, @Ctx() { viewer, services }: Context): Promise<GuestSettings> {
    const organization = await services.guests.updateSettings(viewer!, input);
    return { enabled: organization.guestsEnabled, whoCanInvite: organization.whoCanInvite };
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

  @FieldResolver(() => Int)
  conversationCount(@Root() guest: ActorEntity, @Ctx() context: Context): Promise<number> {
    return context.services.guests.conversationCount(scopeOf(context), guest);
  }

  @FieldResolver(() => Int, { description: 'How many conversations a guest may have access to at once.' })
  conversationLimit(@Ctx() { services }: Context): number {
    return services.guests.conversationLimit;
  }
}
