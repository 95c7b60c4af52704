import type { DataSource, EntityManager } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import type { Viewer } from '../auth/viewer';
import { conversationPolicy } from '../conversation/conversation.policy';
import { addParticipants, type ConversationService } from '../conversation/conversation.service';
import { badInput, forbidden, notFound } from '../errors';
import { decodeId } from '../ids';
import type { Notified, NotificationService } from '../notification/notification.service';
import * as validate from '../validation';
import { hydrateTask, TASK_WITH_RELATIONS, type LoadedTask } from './task.loader';

export interface TaskFields {
  title?: string | null;
  done?: boolean | null;
  assigneeId?: string | null;
  dueAt?: Date | null;
}

export class TaskService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly conversations: ConversationService,
    private readonly notifications: NotificationService,
  ) {}

  async create(viewer: Viewer, conversationGlobalId: string, fields: TaskFields & { title: string }): Promise<LoadedTask> {
    if (!conversationPolicy.canManage(viewer)) throw forbidden('Only organization members can create tasks.');
    const conversationId = decodeId(conversationGlobalId, 'Conversation');
    const title = validate.text(fields.title, 'title', { max: 500 });
    const { task, notified } = await this.dataSource.transaction(async (manager) => {
      const conversation = await this.conversations.lockReadable(manager, viewer, conversationId);
      const assigneeId = fields.assigneeId != null ? await this.assignee(manager, viewer, fields.assigneeId) : null;
      const [row] = await manager.query(
        `INSERT INTO tasks (organization_id, conversation_id, title, assignee_id, due_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [viewer.organizationId, conversation.id, title, assigneeId, fields.dueAt ?? null],
      );
      // Whoever is assigned work in a conversation takes part in it.
      if (assigneeId) await addParticipants(manager, conversation.id, [assigneeId]);
      const task = await this.load(manager, row.id);
      return { task, notified: await this.notifyAssignee(manager, viewer, task, assigneeId) };
    });
    await this.notifications.announce(notified);
    return task;
  }

  async update(viewer: Viewer, globalId: string, fields: TaskFields): Promise<LoadedTask> {
    if (!conversationPolicy.canManage(viewer)) throw forbidden('Only organization members can change tasks.');
    const id = decodeId(globalId, 'Task');
    const title = fields.title == null ? undefined : validate.text(fields.title, 'title', { max: 500 });
    const { task: updated, notified } = await this.dataSource.transaction(async (manager) => {
      const [task] = await manager.query(`SELECT id, conversation_id, assignee_id FROM tasks WHERE id = $1 AND organization_id = $2 FOR UPDATE`, [
        id,
        viewer.organizationId,
      ]);
      if (!task) throw notFound();
      const sets: string[] = [];
      const values: unknown[] = [];
      const set = (column: string, value: unknown) => {
        values.push(value);
        sets.push(`${column} = $${values.length + 1}`);
      };
      if (title !== undefined) set('title', title);
      if (fields.done != null) set('done', fields.done);
      let newAssigneeId: string | null = null;
      if (fields.assigneeId !== undefined) {
        const assigneeId = fields.assigneeId != null ? await this.assignee(manager, viewer, fields.assigneeId) : null;
        set('assignee_id', assigneeId);
        if (assigneeId) await addParticipants(manager, task.conversation_id, [assigneeId]);
        if (assigneeId !== task.assignee_id) newAssigneeId = assigneeId;
      }
      if (fields.dueAt !== undefined) set('due_at', fields.dueAt);
      if (sets.length > 0) await manager.query(`UPDATE tasks SET ${sets.join(', ')} WHERE id = $1`, [id, ...values]);
      const loaded = await this.load(manager, id);
      return { task: loaded, notified: await this.notifyAssignee(manager, viewer, loaded, newAssigneeId) };
    });
    await this.notifications.announce(notified);
    return updated;
  }

  /** TASK_ASSIGNED for a new assignee, unless they assigned themself (SPEC §12); last in the transaction. */
  private notifyAssignee(manager: EntityManager, viewer: Viewer, task: LoadedTask, assigneeId: string | null): Promise<Notified> {
    const notices = assigneeId
      ? [{ recipientId: assigneeId, reason: 'TASK_ASSIGNED' as const, actorId: viewer.actorId, conversationId: task.conversationId, taskId: task.id }]
      : [];
    return this.notifications.create(manager, viewer.organizationId, notices);
  }

  /**
   * One task with its relations, if the viewer may read its conversation; else null, for a missing
   * one alike: the same single statement either way, so the two take the same time.
   */
  async findLoaded(viewer: Viewer, id: string): Promise<LoadedTask | null> {
    const [row] = await this.dataSource.query(
      `SELECT ${TASK_WITH_RELATIONS} FROM tasks t
        WHERE t.id = $1 AND t.organization_id = $2 AND ($3::uuid[] IS NULL OR t.conversation_id = ANY($3::uuid[]))`,
      [id, viewer.organizationId, conversationPolicy.readableIds(viewer)],
    );
    return row ? hydrateTask(this.dataSource, row) : null;
  }

  private async assignee(manager: EntityManager, viewer: Viewer, globalId: string): Promise<string> {
    const id = decodeId(globalId, 'User', 'Guest');
    const actor = await manager.findOneBy(ActorEntity, { id, organizationId: viewer.organizationId });
    if (!actor) throw notFound();
    if (actor.kind !== 'MEMBER') throw badInput('Tasks can only be assigned to members.', 'assigneeId');
    return id;
  }

  private async load(manager: EntityManager, id: string): Promise<LoadedTask> {
    const [row] = await manager.query(`SELECT ${TASK_WITH_RELATIONS} FROM tasks t WHERE t.id = $1`, [id]);
    return hydrateTask(this.dataSource, row);
  }
}
