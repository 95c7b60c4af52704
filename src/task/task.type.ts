import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from '../node/node.type';
import { User } from '../user/user.type';

@ObjectType('Task', { implements: Node })
export class Task extends Node {
  @Field(() => ID)
  declare id: string;

  @Field()
  title: string;

  @Field()
  done: boolean;

  @Field(() => User, { nullable: true })
  assignee: User | null;

  @Field(() => Date, { nullable: true })
  dueAt: Date | null;

  @Field()
  createdAt: Date;
}
