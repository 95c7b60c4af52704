import { Field, ID, InputType } from 'type-graphql';

@InputType({ description: 'A new comment.' })
export class PostCommentInput {
  @Field(() => ID, { description: 'The Conversation ID.' })
  conversationId: string;

  @Field({ description: 'Markdown, 1 to 10,000 characters.' })
  body: string;

  @Field(() => [ID], { nullable: true, defaultValue: [], description: 'Actor IDs of people present in the conversation.' })
  mentionIds?: string[] | null;

  @Field(() => [ID], { nullable: true, defaultValue: [], description: 'Your own unused uploads (POST /attachments).' })
  attachmentIds?: string[] | null;
}
