import { Authorized, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Attachment } from '../attachment/attachment.type';
import { Gate } from '../auth/auth-checker';
import { Channel, Direction } from './message.entity';
import { Node } from '../node/node.type';
import { connectionTypes } from '../pagination.type';
import { User } from '../user/user.type';

registerEnumType(Channel, { name: 'Channel' });
registerEnumType(Direction, { name: 'Direction' });

@ObjectType('Message', { implements: Node, description: 'An external message: received, or a reply sent to the outside world.' })
export class Message extends Node {
  @Field(() => ID)
  declare id: string;

  @Field(() => Channel)
  channel: Channel;

  @Field(() => Direction)
  direction: Direction;

  @Field()
  from: string;

  @Field(() => [String])
  to: string[];

  @Field(() => [String])
  cc: string[];

  @Authorized(Gate.MEMBER)
  @Field(() => [String], { nullable: true, description: 'members only' })
  bcc: string[] | null;

  @Field(() => String, { nullable: true })
  subject: string | null;

  @Field()
  body: string;

  @Field()
  sentAt: Date;

  @Field(() => User, { nullable: true, description: 'The member who sent an outbound message.' })
  author: User | null;

  @Field(() => [Attachment])
  attachments: Attachment[];

  @Field({ description: "The same value as this message's edge cursor in `Conversation.messages`." })
  cursor: string;
}

export const { EdgeType: MessageEdge, ConnectionType: MessageConnection } = connectionTypes('Message', Message);
