import { Field, ID, InputType } from 'type-graphql';

@InputType({ description: 'A new task.' })
export class CreateTaskInput {
  @Field(() => ID, { description: 'The Conversation ID.' })
  conversationId: string;

  @Field({ description: 'What is to be done.' })
  title: string;

  @Field(() => ID, { nullable: true, description: 'The User ID of the member who should do it; none by default.' })
  assigneeId?: string | null;

  @Field(() => Date, { nullable: true, description: 'When it is due; none by default.' })
  dueAt?: Date | null;
}

@InputType({ description: 'What to change in a task: a field left out stays as it is.' })
export class UpdateTaskInput {
  @Field(() => ID, { description: 'The Task ID.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'The new title.' })
  title?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Marks it done or not done.' })
  done?: boolean | null;

  @Field(() => ID, { nullable: true, description: 'The User ID of a member; null unassigns.' })
  assigneeId?: string | null;

  @Field(() => Date, { nullable: true, description: 'null clears the due date.' })
  dueAt?: Date | null;
}
