import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from '../node/node.type';

@ObjectType('Organization', { implements: Node, description: 'A company using Sidedoor: its members, teams, guests and guest settings. Nothing crosses organizations.' })
export class Organization extends Node {
  @Field(() => ID, { description: 'Global ID of the organization.' })
  declare id: string;

  @Field({ description: 'Its name.' })
  name: string;
}
