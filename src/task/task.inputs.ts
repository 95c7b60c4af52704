import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class CreateTaskInput {
  @Field(() => ID)
  conversationId: string;

  @Field()
  title: string;

  @Field(() => ID, { nullable: true, description: 'A member.' })
  assigneeId?: string | null;

  @Field(() => Date, { nullable: true })
  dueAt?: Date | null;
}

@InputType()
export class UpdateTaskInput {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => Boolean, { nullable: true })
  done?: boolean | null;

  @Field(() => ID, { nullable: true, description: 'null unassigns.' })
  assigneeId?: string | null;

  @Field(() => Date, { nullable: true, description: 'null clears the due date.' })
  dueAt?: Date | null;
}
