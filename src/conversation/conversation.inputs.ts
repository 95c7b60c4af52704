import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class CreateConversationInput {
  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field(() => ID, { nullable: true })
  teamId?: string | null;
}

@InputType()
export class CreateChatRoomInput {
  @Field()
  name: string;
}

@InputType()
export class UpdateConversationInput {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field(() => Boolean, { nullable: true })
  closed?: boolean | null;

  @Field(() => ID, { nullable: true, description: 'null removes the team.' })
  teamId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the assignees.' })
  assigneeIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the labels.' })
  labels?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'false removes every guest and blocks new invitations.' })
  allowGuests?: boolean | null;
}
