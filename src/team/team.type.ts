import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from '../node/node.type';
import { User } from '../user/user.type';

@ObjectType('Team', { implements: Node })
export class Team extends Node {
  @Field(() => ID)
  declare id: string;

  @Field()
  name: string;

  @Field({ description: 'Members who join the organization are added to every default team.' })
  isDefault: boolean;

  @Field(() => [User])
  members: User[];
}
