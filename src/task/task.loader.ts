import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import { hydrate } from '../hydrate';
import { TaskEntity } from './task.entity';

export type LoadedTask = TaskEntity & { assignee?: ActorEntity | null };

export const TASK_WITH_RELATIONS = `t.*, (SELECT to_jsonb(a) FROM actors a WHERE a.id = t.assignee_id) AS assignee_json`;

export function hydrateTask(dataSource: DataSource, row: Record<string, any>): LoadedTask {
  const task: LoadedTask = hydrate(dataSource, TaskEntity, row);
  task.assignee = row.assignee_json ? hydrate(dataSource, ActorEntity, row.assignee_json) : null;
  return task;
}

/** Tasks of conversations, oldest first, with their assignees: one statement per batch. */
export function createTasksByConversationLoader(dataSource: DataSource, organizationId: string | null) {
  return new DataLoader<string, LoadedTask[]>(async (conversationIds) => {
    const rows: Record<string, any>[] = await dataSource.query(
      `SELECT ${TASK_WITH_RELATIONS} FROM tasks t
        WHERE t.conversation_id = ANY($1) AND t.organization_id = $2 ORDER BY t.seq`,
      [conversationIds, organizationId],
    );
    const byConversation = new Map<string, LoadedTask[]>();
    for (const row of rows) {
      const list = byConversation.get(row.conversation_id) ?? [];
      list.push(hydrateTask(dataSource, row));
      byConversation.set(row.conversation_id, list);
    }
    return conversationIds.map((id) => byConversation.get(id) ?? []);
  });
}
