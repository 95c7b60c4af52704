import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from '../node/node.type';
import { User } from '../user/user.type';

@ObjectType('Task', { implements: Node, description: 'A to-do in a conversation. Everyone who reads the conversation sees its tasks; only members create and change them.' })
export class Task extends Node {
  @Field(() => ID, { description: 'Global ID of the task.' })
  declare id: string;

  @Field({ description: 'What is to be done.' })
  title: string;

  @Field({ description: 'Whether it is done.' })
  done: boolean;

  @Field(() => User, { nullable: true, description: 'The member who should do it; null when unassigned.' })
  assignee: User | null;

  @Field(() => Date, { nullable: true, description: 'When it is due; null when it has no due date.' })
  dueAt: Date | null;

  @Field({ description: 'When it was created.' })
  createdAt: Date;
}
