import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { ActorEntity } from '../actor/actor.entity';
import { Gate } from '../auth/auth-checker';
import type { Context } from '../context';
import { toGlobalId } from '../ids';
import { User } from '../user/user.type';
import { CreateTaskInput, UpdateTaskInput } from './task.inputs';
import type { LoadedTask } from './task.loader';
import { Task } from './task.type';

@Resolver(() => Task)
export class TaskResolver {
  @Authorized(Gate.MEMBER)
  @Mutation(() => Task, { description: 'Members only: a new task in a conversation.' })
  createTask(@Arg('input', { description: 'The task.' }) { conversationId, ...fields }: CreateTaskInput, @Ctx() { viewer, services }: Context): Promise<LoadedTask> {
    return services.tasks.create(viewer!, conversationId, fields);
  }

  @Authorized(Gate.MEMBER)
  @Mutation(() => Task, { description: 'Members only: changes a task; fields left out stay as they are.' })
  updateTask(@Arg('input', { description: 'The task and what to change.' }) { id, ...fields }: UpdateTaskInput, @Ctx() { viewer, services }: Context): Promise<LoadedTask> {
    return services.tasks.update(viewer!, id, fields);
  }

  @FieldResolver(() => ID)
  id(@Root() task: LoadedTask): string {
    return toGlobalId('Task', task.id);
  }

  @FieldResolver(() => User, { nullable: true })
  async assignee(@Root() task: LoadedTask, @Ctx() { loaders }: Context): Promise<ActorEntity | null> {
    if (task.assignee !== undefined) return task.assignee;
    return task.assigneeId ? loaders.actor.load(task.assigneeId) : null;
  }
}
