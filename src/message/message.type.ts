import { Authorized, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Attachment } from '../attachment/attachment.type';
import { Gate } from '../auth/auth-checker';
import { Channel, Direction } from './message.entity';
import { Node } from '../node/node.type';
import { connectionTypes } from '../pagination.type';
import { User } from '../user/user.type';

registerEnumType(Channel, {
  name: 'Channel',
  description: 'How an external message travels.',
  valuesConfig: {
    EMAIL: { description: 'Email: addresses are email addresses.' },
    SMS: { description: 'Text message: addresses are phone numbers.' },
    WHATSAPP: { description: 'WhatsApp: addresses are phone numbers.' },
    CUSTOM: { description: 'Any other channel an integration brings.' },
  },
});
registerEnumType(Direction, {
  name: 'Direction',
  description: 'Whether a message came in or went out.',
  valuesConfig: {
    INBOUND: { description: 'Received from the outside world (`createMessage`).' },
    OUTBOUND: { description: "A member's reply to the outside world (`replyToConversation`)." },
  },
});

@ObjectType('Message', { implements: Node, description: 'An external message: received, or a reply sent to the outside world.' })
export class Message extends Node {
  @Field(() => ID, { description: 'Global ID of the message.' })
  declare id: string;

  @Field(() => Channel, { description: 'How it travelled.' })
  channel: Channel;

  @Field(() => Direction, { description: 'Whether it came in or went out.' })
  direction: Direction;

  @Field({ description: "The sender's address." })
  from: string;

  @Field(() => [String], { description: "The recipients' addresses." })
  to: string[];

  @Field(() => [String], { description: 'The copied addresses.' })
  cc: string[];

  @Authorized(Gate.MEMBER)
  @Field(() => [String], { nullable: true, description: 'Members only: the blind-copied addresses.' })
  bcc: string[] | null;

  @Field(() => String, { nullable: true, description: 'Its subject; null for channels without one.' })
  subject: string | null;

  @Field({ description: 'Its text.' })
  body: string;

  @Field({ description: 'When it was received or sent.' })
  sentAt: Date;

  @Field(() => User, { nullable: true, description: 'The member who sent an outbound message; null for inbound ones.' })
  author: User | null;

  @Field(() => [Attachment], { description: 'Its files, in the order they were attached.' })
  attachments: Attachment[];

  @Field({ description: "The same value as this message's edge cursor in `Conversation.messages`." })
  cursor: string;
}

export const { EdgeType: MessageEdge, ConnectionType: MessageConnection } = connectionTypes('Message', Message, 'messages');
