import { Field, ID, InputType } from 'type-graphql';
import { Channel } from './message.entity';

@InputType({ description: 'An inbound message as it arrived.' })
export class CreateMessageInput {
  @Field(() => ID, { nullable: true, description: 'Omitted: the message starts a new conversation.' })
  conversationId?: string | null;

  @Field(() => Channel, { description: 'How it arrived.' })
  channel: Channel;

  @Field({ description: "The sender's address (an email address for EMAIL)." })
  from: string;

  @Field(() => [String], { description: 'The recipients.' })
  to: string[];

  @Field(() => [String], { nullable: true, defaultValue: [], description: 'The copied addresses.' })
  cc?: string[] | null;

  @Field(() => [String], { nullable: true, defaultValue: [], description: 'The blind-copied addresses (members only can read them back).' })
  bcc?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Its subject, if the channel has one.' })
  subject?: string | null;

  @Field({ description: 'Its text.' })
  body: string;

  @Field(() => [ID], { nullable: true, defaultValue: [], description: 'Your own unused uploads (POST /attachments), in the order to show them.' })
  attachmentIds?: string[] | null;
}

@InputType('ReplyInput', { description: 'A reply to the outside world.' })
export class ReplyInput {
  @Field(() => ID, { description: 'The Conversation ID (a thread).' })
  conversationId: string;

  @Field({ description: 'Its text.' })
  body: string;

  @Field(() => [String], { nullable: true, description: 'Default: the sender of the last inbound message.' })
  to?: string[] | null;

  @Field(() => [String], { nullable: true, defaultValue: [], description: 'The copied addresses.' })
  cc?: string[] | null;

  @Field(() => [String], { nullable: true, defaultValue: [], description: 'The blind-copied addresses.' })
  bcc?: string[] | null;

  @Field(() => [ID], { nullable: true, defaultValue: [], description: 'Your own unused uploads (POST /attachments), in the order to show them.' })
  attachmentIds?: string[] | null;
}
