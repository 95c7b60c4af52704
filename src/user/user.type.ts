import { Authorized, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from '../actor/actor.entity';
import { Actor } from '../actor/actor.type';
import { Gate } from '../auth/auth-checker';
import { Node } from '../node/node.type';

registerEnumType(Role, { name: 'Role' });

@ObjectType('User', { implements: [Node, Actor], description: 'A member of the organization.' })
export class User extends Actor {
  @Field(() => ID)
  declare id: string;

  @Authorized(Gate.MEMBER)
  @Field(() => String, { nullable: true, description: 'members only' })
  email: string | null;

  @Authorized(Gate.MEMBER)
  @Field(() => Role, { nullable: true, description: 'members only' })
  role: Role | null;
}
