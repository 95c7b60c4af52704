import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Node } from '../node/node.type';

@ObjectType('Attachment', { implements: Node })
export class Attachment extends Node {
  @Field(() => ID)
  declare id: string;

  @Field()
  filename: string;

  @Field()
  contentType: string;

  @Field(() => Int)
  size: number;

  @Field({ description: 'A link that downloads the file; short-lived.' })
  url: string;
}
