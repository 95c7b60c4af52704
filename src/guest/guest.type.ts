import { Authorized, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ActorStatus } from '../actor/actor.entity';
import { Actor } from '../actor/actor.type';
import { Gate } from '../auth/auth-checker';
import { Conversation } from '../conversation/conversation.type';
import { Node } from '../node/node.type';
import { User } from '../user/user.type';
import { GuestAccess } from './guest-access.type';

registerEnumType(ActorStatus, {
  name: 'GuestStatus',
  description: 'Where a guest stands.',
  valuesConfig: {
    INVITED: { description: 'Invited: the invitation link has not been accepted yet.' },
    ACTIVE: { description: 'Accepted an invitation: logs in with email and password.' },
    REVOKED: { description: 'Revoked: every session and access ended. Inviting the email again makes them INVITED again.' },
  },
});

@ObjectType('Guest', { implements: [Node, Actor], description: 'An external partner invited into specific conversations.' })
export class Guest extends Actor {
  @Field(() => ID, { description: 'Global ID of the guest.' })
  declare id: string;

  @Field({ description: "The name they chose; before they accept, the inviter's choice or the start of their email." })
  declare name: string;

  @Field({ description: 'Always true for a guest.' })
  declare isGuest: boolean;

  @Authorized(Gate.SELF_OR_MEMBER)
  @Field(() => String, { nullable: true, description: 'Members, and the guest themself (anyone else gets null and FORBIDDEN).' })
  email: string | null;

  @Field(() => ActorStatus, { description: 'Invited, active or revoked.' })
  status: ActorStatus;

  @Field(() => User, { nullable: true, description: 'The member who invited them last; null to a guest who may not see that member.' })
  invitedBy: User | null;

  @Field({ description: 'When they were first invited.' })
  createdAt: Date;

  @Authorized(Gate.SELF_OR_MEMBER)
  @Field(() => [Conversation], {
    nullable: true,
    description: 'The conversations they have access to now. Members, and the guest themself (anyone else gets null and FORBIDDEN).',
  })
  conversations: Conversation[] | null;

  @Authorized(Gate.SELF_OR_MEMBER)
  @Field(() => [GuestAccess], { nullable: true, description: 'members, and the guest themself: current accesses, soonest expiry first, then oldest' })
  accesses: GuestAccess[] | null;

  @Field(() => Int, { description: 'Conversations the guest has access to now; another guest counts only those they share with them.' })
  conversationCount: number;

  @Field(() => Int, { description: 'How many conversations a guest may have access to at once (CONVERSATIONS_PER_GUEST).' })
  conversationLimit: number;
}
