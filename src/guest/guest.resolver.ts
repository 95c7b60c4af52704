import { Authorized, Ctx, FieldResolver, ID, Int, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Gate } from '../auth/auth-checker';
import type { Context } from '../context';
import type { ConversationEntity } from '../conversation/conversation.entity';
import { Conversation } from '../conversation/conversation.type';
import { toGlobalId } from '../ids';
import { User } from '../user/user.type';
import { Guest } from './guest.type';

@Resolver(() => Guest)
export class GuestResolver {
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
