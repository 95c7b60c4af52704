import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import { appendTo, hydrate, jsonObjectOf, sqlOnce } from '../hydrate';
import type { ReadBatch } from '../reads';
import { TaskEntity } from './task.entity';

export type LoadedTask = TaskEntity & { assignee?: ActorEntity | null };

export const TASK_WITH_RELATIONS = `t.*, (SELECT to_jsonb(a) FROM actors a WHERE a.id = t.assignee_id) AS assignee_json`;

export function hydrateTask(dataSource: DataSource, row: Record<string, any>): LoadedTask {
  const task: LoadedTask = hydrate(dataSource, TaskEntity, row);
  task.assignee = row.assignee_json ? hydrate(dataSource, ActorEntity, row.assignee_json) : null;
  return task;
}

/** Tasks of conversations, oldest first, with their assignees: one read per batch. */
export function createTasksByConversationLoader(dataSource: DataSource, reads: ReadBatch, organizationId: string | null) {
  const sql = sqlOnce('tasks-by-conversation', () =>
    `
    SELECT coalesce(json_agg(json_build_object(
             'task', ${jsonObjectOf(dataSource, TaskEntity, 't')},
             'assignee', CASE WHEN a.id IS NULL THEN NULL ELSE ${jsonObjectOf(dataSource, ActorEntity, 'a')} END
           ) ORDER BY t.seq), '[]')
      FROM tasks t LEFT JOIN actors a ON a.id = t.assignee_id
     WHERE t.conversation_id = ANY($1::uuid[]) AND t.organization_id = $2::uuid`,
  );
  return new DataLoader<string, LoadedTask[]>(async (conversationIds) => {
    const rows = organizationId
      ? await reads.value<{ task: Record<string, unknown>; assignee: Record<string, unknown> | null }[]>(sql, [conversationIds, organizationId])
      : [];
    const byConversation = new Map<string, LoadedTask[]>();
    for (const row of rows) {
      const task: LoadedTask = hydrate(dataSource, TaskEntity, row.task);
      task.assignee = row.assignee ? hydrate(dataSource, ActorEntity, row.assignee) : null;
      appendTo(byConversation, task.conversationId, task);
    }
    return conversationIds.map((id) => byConversation.get(id) ?? []);
  });
}
