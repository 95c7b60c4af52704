import { Authorized, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Actor } from '../actor/actor.type';
import { Node } from '../node/node.type';
import { Gate } from '../auth/auth-checker';

export enum Role {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  MEMBER = 'MEMBER',
}
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
