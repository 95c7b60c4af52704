import { Field, ID, InputType } from 'type-graphql';

@InputType({ description: 'A new thread.' })
export class CreateConversationInput {
  @Field(() => String, { nullable: true, description: 'Its subject (at most 998 characters); none by default.' })
  subject?: string | null;

  @Field(() => ID, { nullable: true, description: 'A Team ID of the organization; none by default.' })
  teamId?: string | null;
}

@InputType({ description: 'A new chat room.' })
export class CreateChatRoomInput {
  @Field({ description: 'Its name (1 to 200 characters).' })
  name: string;
}

@InputType({ description: 'What to change in a conversation: a field left out stays as it is.' })
export class UpdateConversationInput {
  @Field(() => ID, { description: 'The Conversation ID.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'The new subject; null removes it.' })
  subject?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Closes or reopens it.' })
  closed?: boolean | null;

  @Field(() => ID, { nullable: true, description: 'A Team ID; null removes the team.' })
  teamId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the assignees: User IDs of members.' })
  assigneeIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the labels.' })
  labels?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'false removes every guest and blocks new invitations.' })
  allowGuests?: boolean | null;
}
