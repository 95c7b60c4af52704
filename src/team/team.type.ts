import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from '../node/node.type';
import { User } from '../user/user.type';

@ObjectType('Team', { implements: Node, description: 'A group of members, such as Support or Sales; conversations may belong to one. Guests never join teams.' })
export class Team extends Node {
  @Field(() => ID, { description: 'Global ID of the team.' })
  declare id: string;

  @Field({ description: 'Its name.' })
  name: string;

  @Field({ description: 'Members who join the organization are added to every default team.' })
  isDefault: boolean;

  @Field(() => [User], { description: 'Its members, in order of joining.' })
  members: User[];
}
