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

  @Field({
    description:
      'A link that downloads the file without any header (a plain `<a href>`), for this session only; it stops working at `urlExpiresAt`, or as soon as the session ends or loses access to the conversation.',
  })
  url: string;

  @Field({ description: 'When `url` stops working (ATTACHMENT_URL_TTL_SECONDS after it was made); ask for `url` again after it.' })
  urlExpiresAt: Date;
}
