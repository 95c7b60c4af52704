import { Authorized, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from '../actor/actor.entity';
import { Actor } from '../actor/actor.type';
import { Gate } from '../auth/auth-checker';
import { Node } from '../node/node.type';

registerEnumType(Role, {
  name: 'Role',
  description: "A member's role in the organization.",
  valuesConfig: {
    OWNER: { description: 'Created the organization: everything an admin may do.' },
    ADMIN: { description: 'Invites members, manages teams and guest settings, and everything a member may do.' },
    MEMBER: { description: 'Reads every conversation, replies, comments, assigns, and manages guests unless settings say only admins may.' },
  },
});

@ObjectType('User', { implements: [Node, Actor], description: 'A member of the organization (OWNER, ADMIN or MEMBER).' })
export class User extends Actor {
  @Field(() => ID, { description: 'Global ID of the member.' })
  declare id: string;

  @Field({ description: 'The name they chose.' })
  declare name: string;

  @Field({ description: 'Always false for a member.' })
  declare isGuest: boolean;

  @Authorized(Gate.MEMBER)
  @Field(() => String, { nullable: true, description: 'Members only: the email they log in with.' })
  email: string | null;

  @Authorized(Gate.MEMBER)
  @Field(() => Role, { nullable: true, description: 'Members only: their role in the organization.' })
  role: Role | null;
}
