import { Authorized, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ActorStatus } from '../actor/actor.entity';
import { Actor } from '../actor/actor.type';
import { Gate } from '../auth/auth-checker';
import { Conversation } from '../conversation/conversation.type';
import { Node } from '../node/node.type';
import { User } from '../user/user.type';

registerEnumType(ActorStatus, { name: 'GuestStatus' });

@ObjectType('Guest', { implements: [Node, Actor], description: 'An external partner invited into specific conversations.' })
export class Guest extends Actor {
  @Field(() => ID)
  declare id: string;

  @Authorized(Gate.SELF_OR_MEMBER)
  @Field(() => String, { nullable: true, description: 'members, and the guest themself' })
  email: string | null;

  @Field(() => ActorStatus)
  status: ActorStatus;

  @Field(() => User, { nullable: true })
  invitedBy: User | null;

  @Field()
  createdAt: Date;

  @Authorized(Gate.SELF_OR_MEMBER)
  @Field(() => [Conversation], { nullable: true, description: 'members, and the guest themself' })
  conversations: Conversation[] | null;

  @Field(() => Int, { description: 'Conversations the guest has access to now; another guest counts only those they share with them.' })
  conversationCount: number;

  @Field(() => Int)
  conversationLimit: number;
}
