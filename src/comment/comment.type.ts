import { Field, ID, ObjectType } from 'type-graphql';
import { Actor } from '../actor/actor.type';
import { Attachment } from '../attachment/attachment.type';
import { Conversation } from '../conversation/conversation.type';
import { Node } from '../node/node.type';
import { connectionTypes } from '../pagination.type';

@ObjectType('Comment', { implements: Node, description: 'An internal chat message: never sent outside the organization.' })
export class Comment extends Node {
  @Field(() => ID)
  declare id: string;

  @Field({ description: 'Markdown, 1 to 10,000 characters.' })
  body: string;

  @Field(() => Actor)
  author: Actor;

  @Field(() => [Actor])
  mentions: Actor[];

  @Field(() => [Attachment])
  attachments: Attachment[];

  @Field()
  createdAt: Date;

  @Field(() => Conversation)
  conversation: Conversation;

  @Field({
    description:
      "The same value as this comment's edge cursor in `Conversation.comments`: pass the last one you saw as `commentAdded(after:)` when resubscribing, or as `after` to read on.",
  })
  cursor: string;
}

export const { EdgeType: CommentEdge, ConnectionType: CommentConnection } = connectionTypes('Comment', Comment);
