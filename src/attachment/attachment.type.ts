import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Node } from '../node/node.type';

@ObjectType('Attachment', {
  implements: Node,
  description: 'A file of a message or a comment. Upload with `POST /attachments`, attach by ID, download from `url`.',
})
export class Attachment extends Node {
  @Field(() => ID, { description: 'Global ID of the attachment: what `attachmentIds` take.' })
  declare id: string;

  @Field({ description: 'Its name, without any path, control or invisible characters; at most 255 characters.' })
  filename: string;

  @Field({ description: 'Its media type (`type/subtype`), as recorded at upload.' })
  contentType: string;

  @Field(() => Int, { description: 'Its size in bytes.' })
  size: number;

  @Field({
    description:
      'A link that downloads the file without any header (a plain `<a href>`), for this session only; it stops working at `urlExpiresAt`, or as soon as the session ends or loses access to the conversation.',
  })
  url: string;

  @Field({ description: 'When `url` stops working (ATTACHMENT_URL_TTL_SECONDS after it was made); ask for `url` again after it.' })
  urlExpiresAt: Date;
}
