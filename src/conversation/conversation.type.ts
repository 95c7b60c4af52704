import { Authorized, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ConversationKind } from './conversation.entity';
import { Actor } from '../actor/actor.type';
import { Gate } from '../auth/auth-checker';
import { Node } from '../node/node.type';
import { connectionTypes } from '../pagination.type';
import { Team } from '../team/team.type';
import { User } from '../user/user.type';

registerEnumType(ConversationKind, {
  name: 'ConversationKind',
  valuesConfig: {
    THREAD: { description: 'External messages and internal chat.' },
    CHAT_ROOM: { description: 'An organization chat room: internal only, every member takes part, never guests.' },
  },
});

@ObjectType('Conversation', { implements: Node })
export class Conversation extends Node {
  @Field(() => ID)
  declare id: string;

  @Field(() => ConversationKind)
  kind: ConversationKind;

  @Field(() => String, { nullable: true })
  subject: string | null;

  @Field()
  closed: boolean;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;

  @Field(() => [Actor], { description: 'Members and guests present in the conversation, in order of arrival.' })
  participants: Actor[];

  @Authorized(Gate.MEMBER)
  @Field(() => Team, { nullable: true, description: 'members only' })
  team: Team | null;

  @Authorized(Gate.MEMBER)
  @Field(() => [User], { nullable: true, description: 'members only' })
  assignees: User[] | null;

  @Authorized(Gate.MEMBER)
  @Field(() => [String], { nullable: true, description: 'members only' })
  labels: string[] | null;

  @Authorized(Gate.MEMBER)
  @Field(() => Boolean, { nullable: true, description: 'members only' })
  allowGuests: boolean | null;
}

export const { EdgeType: ConversationEdge, ConnectionType: ConversationConnection } = connectionTypes('Conversation', Conversation);
