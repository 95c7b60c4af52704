import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import type { Context } from '../context';
import type { ConversationEntity } from '../conversation/conversation.entity';
import { Conversation } from '../conversation/conversation.type';
import { notFound } from '../errors';
import { User } from '../user/user.type';
import type { GuestAccessEntity } from './guest-access.entity';
import { GuestAccess } from './guest-access.type';

/**
 * A GuestAccess is only ever shown to members and to the guest it belongs
 * to (`Guest.accesses` is gated, `viewerGuestAccess` is the viewer's own), so
 * its conversation and who granted it are theirs to see.
 */
@Resolver(() => GuestAccess)
export class GuestAccessResolver {
  @FieldResolver(() => Conversation)
  async conversation(@Root() access: GuestAccessEntity, @Ctx() { loaders }: Context): Promise<ConversationEntity> {
    const conversation = await loaders.conversation.load(access.conversationId);
    if (!conversation) throw notFound();
    return conversation;
  }

  @FieldResolver(() => User, { nullable: true })
  grantedBy(@Root() access: GuestAccessEntity, @Ctx() { loaders }: Context): Promise<ActorEntity | null> | null {
    return access.grantedById ? loaders.actor.load(access.grantedById) : null;
  }
}
