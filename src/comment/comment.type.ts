import { Field, ID, ObjectType } from 'type-graphql';
import { Actor } from '../actor/actor.type';
import { Attachment } from '../attachment/attachment.type';
import { Conversation } from '../conversation/conversation.type';
import { Node } from '../node/node.type';
import { connectionTypes } from '../pagination.type';

@ObjectType('Comment', { implements: Node, description: 'An internal chat message: never sent outside the organization.' })
export class Comment extends Node {
  @Field(() => ID, { description: 'Global ID of the comment.' })
  declare id: string;

  @Field({ description: 'Markdown, 1 to 10,000 characters.' })
  body: string;

  @Field(() => Actor, { description: 'Who wrote it: a member or a guest (select `... on User` / `... on Guest`, or the `Actor` fields).' })
  author: Actor;

  @Field(() => [Actor], { description: 'The people it @mentions, in the order given.' })
  mentions: Actor[];

  @Field(() => [Attachment], { description: 'Its files, in the order they were attached.' })
  attachments: Attachment[];

  @Field({ description: 'When it was posted.' })
  createdAt: Date;

  @Field(() => Conversation, { description: 'The conversation it belongs to.' })
  conversation: Conversation;

  @Field({
    description:
      "The same value as this comment's edge cursor in `Conversation.comments`: pass the last one you saw as `commentAdded(after:)` when resubscribing, or as `after` to read on.",
  })
  cursor: string;
}

export const { EdgeType: CommentEdge, ConnectionType: CommentConnection } = connectionTypes('Comment', Comment, 'comments');
