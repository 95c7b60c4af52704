import { Field, ID, InputType } from 'type-graphql';
import { Channel } from './message.entity';

@InputType()
export class CreateMessageInput {
  @Field(() => ID, { nullable: true, description: 'Omitted: the message starts a new conversation.' })
  conversationId?: string | null;

  @Field(() => Channel)
  channel: Channel;

  @Field()
  from: string;

  @Field(() => [String])
  to: string[];

  @Field(() => [String], { nullable: true, defaultValue: [] })
  cc?: string[] | null;

  @Field(() => [String], { nullable: true, defaultValue: [] })
  bcc?: string[] | null;

  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field()
  body: string;

  @Field(() => [ID], { nullable: true, defaultValue: [] })
  attachmentIds?: string[] | null;
}

@InputType('ReplyInput')
export class ReplyInput {
  @Field(() => ID)
  conversationId: string;

  @Field()
  body: string;

  @Field(() => [String], { nullable: true, description: 'Default: the sender of the last inbound message.' })
  to?: string[] | null;

  @Field(() => [String], { nullable: true, defaultValue: [] })
  cc?: string[] | null;

  @Field(() => [String], { nullable: true, defaultValue: [] })
  bcc?: string[] | null;

  @Field(() => [ID], { nullable: true, defaultValue: [] })
  attachmentIds?: string[] | null;
}
