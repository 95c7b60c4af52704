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
  description: 'What a conversation is.',
  valuesConfig: {
    THREAD: { description: 'External messages and internal chat.' },
    CHAT_ROOM: { description: 'An organization chat room: internal only, every member takes part, never guests.' },
  },
});

@ObjectType('Conversation', {
  implements: Node,
  description: 'A thread of external messages with its internal comments and tasks, or an internal chat room.',
})
export class Conversation extends Node {
  @Field(() => ID, { description: 'Global ID of the conversation.' })
  declare id: string;

  @Field(() => ConversationKind, { description: 'A thread (external messages and internal chat) or a chat room (internal only).' })
  kind: ConversationKind;

  @Field(() => String, { nullable: true, description: "The subject (a chat room: its name); null when it has none." })
  subject: string | null;

  @Field({ description: 'Whether it is closed (done with); closed conversations stay readable.' })
  closed: boolean;

  @Field({ description: 'When it was created.' })
  createdAt: Date;

  @Field({ description: 'When it last changed: a message, a comment or a settings change.' })
  updatedAt: Date;

  @Field(() => [Actor], { description: 'Members and guests present in the conversation, in order of arrival.' })
  participants: Actor[];

  @Authorized(Gate.MEMBER)
  @Field(() => Team, { nullable: true, description: 'Members only: the team it belongs to, if any.' })
  team: Team | null;

  @Authorized(Gate.MEMBER)
  @Field(() => [User], { nullable: true, description: 'Members only: the members it is assigned to.' })
  assignees: User[] | null;

  @Authorized(Gate.MEMBER)
  @Field(() => [String], { nullable: true, description: 'Members only: its labels, in the order set.' })
  labels: string[] | null;

  @Authorized(Gate.MEMBER)
  @Field(() => Boolean, { nullable: true, description: 'Members only: whether guests may be invited into it (chat rooms: always false).' })
  allowGuests: boolean | null;
}

export const { EdgeType: ConversationEdge, ConnectionType: ConversationConnection } = connectionTypes('Conversation', Conversation, 'conversations');
