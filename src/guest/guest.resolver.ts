import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Gate } from '../auth/auth-checker';
import type { Context } from '../context';
import type { ConversationEntity } from '../conversation/conversation.entity';
import { Conversation } from '../conversation/conversation.type';
import { toGlobalId } from '../ids';
import { User } from '../user/user.type';
import { GuestInvitationPayload, GuestInviters, GuestSettings } from './guest-settings.type';
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
    return { enabled: organization.guestsEnabled, whoCanInvite: organization.whoCanInvite as GuestInviters };
  }

  @FieldResolver(() => ID)
  id(@Root() guest: ActorEntity): string {
    return toGlobalId('Guest', guest.id);
  }

  @FieldResolver(() => User, { nullable: true })
  invitedBy(@Root() guest: ActorEntity, @Ctx() { loaders }: Context): Promise<ActorEntity | null> | null {
    return guest.invitedById ? loaders.actor.load(guest.invitedById) : null;
  }

  @Authorized(Gate.SELF_OR_MEMBER)
  @FieldResolver(() => [Conversation], { nullable: true, description: 'members, and the guest themself' })
  conversations(@Root() guest: ActorEntity, @Ctx() { loaders }: Context): Promise<ConversationEntity[]> {
    return loaders.guestConversations.load(guest.id);
  }

  @FieldResolver(() => Int, { description: 'Conversations the guest has access to now.' })
  async conversationCount(@Root() guest: ActorEntity, @Ctx() { loaders }: Context): Promise<number> {
    return (await loaders.guestConversations.load(guest.id)).length;
  }

  @FieldResolver(() => Int, { description: 'How many conversations a guest may have access to at once.' })
  conversationLimit(@Ctx() { services }: Context): number {
    return services.deps.config.conversationsPerGuest;
  }
}
