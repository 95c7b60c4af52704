import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from '../node/node.type';

@ObjectType('Organization', { implements: Node })
export class Organization extends Node {
  @Field(() => ID)
  declare id: string;

  @Field()
  name: string;
}
