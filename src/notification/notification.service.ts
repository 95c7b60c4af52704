import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Viewer } from '../auth/viewer';
import type { Config } from '../config';
import { badInput, notFound } from '../errors';
import { decodeId, isUuid } from '../ids';
import type { JobEnqueuer } from '../jobs/job-queue';
import { type Connection, type CursorCodec, pageArgs, type PageRequest, toConnection } from '../pagination';
import type { DomainEvents } from '../realtime/events';
import { NOTIFICATION_EMAIL_JOB, type NotificationEmailPayload } from './notification-email.job';
import type { NotificationReason } from './notification.entity';
import { hydrateNotification, NOTIFICATION_WITH_RELATIONS, type LoadedNotification } from './notification.loader';
import { visibleToRecipient } from './notification.policy';

/** A notification to create: for whom, why, who caused it and what it points to. */
export interface NewNotification {
  readonly recipientId: string;
  readonly reason: NotificationReason;
  readonly actorId: string;
  readonly conversationId?: string | null;
  readonly commentId?: string | null;
  readonly taskId?: string | null;
}

/** Who got notifications in a transaction: what `announce` rings once it committed. */
export interface Notified {
  readonly organizationId: string;
  readonly recipientIds: readonly string[];
}

/** `notifications(...)`: a page of the viewer's visible notifications, newest first, with their unread count. */
export type NotificationPage = Connection<LoadedNotification> & { unreadCount: number };

/** How many IDs one `markNotificationsRead` takes. */
const MAX_IDS = 100;
/** The first key of every notification lock (pg_advisory_xact_lock(int, int)); the second is the recipient's hash. */
const NOTIFICATION_LOCK = 0x4e07;

/** The viewer's own notifications, of their organization, that they can see now (aliases `n` and `r`). */
const OWN_VISIBLE = `n.recipient_id = $1 AND n.organization_id = $2 AND ${visibleToRecipient('n', 'r')}`;

/**
 * In-app notifications (SPEC §12): created in the transaction of their cause
 * with their email jobs, listed and marked read by their recipient, pushed
 * live through the real-time layer once the cause committed.
 */
export class NotificationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deps: {
      config: Pick<Config, 'mail'>;
      jobs: JobEnqueuer<{ [NOTIFICATION_EMAIL_JOB]: NotificationEmailPayload }>;
      events: DomainEvents;
      cursors: CursorCodec;
    },
  ) {}

  /**
   * Writes the notifications of one cause inside its transaction, whatever
   * their number, in three statements: the actors' locks, their email jobs
   * (each due EMAIL_DELAY_SECONDS later, keyed by the notification), then
   * the rows. Nobody is notified of their own doing.
   *
   * Each recipient's advisory lock is taken, in a fixed order, right before
   * their row takes its `seq`, and held to the commit: a recipient's
   * notifications therefore commit in `seq` order, so the live feed's "after
   * the last one sent" never skips one committed late. The rows are the last
   * statement, and the cause calls this last, so the lock is held only for
   * the commit. The actors the rows name are locked (FOR KEY SHARE, what
   * their foreign keys take at the end of the insert) before any recipient
   * lock: a transaction holding recipient locks then waits for nothing, so
   * they can never be part of a deadlock (say with a guest accepting an
   * invitation, whose row is held FOR UPDATE, mentioned at that moment).
   */
  async create(manager: EntityManager, organizationId: string, notices: readonly NewNotification[]): Promise<Notified> {
    const rows = notices.filter((notice) => notice.recipientId !== notice.actorId).map((notice) => ({ id: randomUUID(), ...notice }));
    if (rows.length === 0) return { organizationId, recipientIds: [] };
    const actorIds = [...new Set(rows.flatMap((row) => [row.recipientId, row.actorId]))];
    await manager.query(`SELECT 1 FROM actors WHERE id = ANY($1) ORDER BY id FOR KEY SHARE`, [actorIds]);
    const delaySeconds = this.deps.config.mail.notificationDelaySeconds;
    await this.deps.jobs.enqueueMany(
      manager,
      NOTIFICATION_EMAIL_JOB,
      rows.map((row) => ({ payload: { notificationId: row.id }, options: { delaySeconds, key: row.id } })),
    );
    await manager.query(
      `INSERT INTO notifications (id, organization_id, recipient_id, reason, actor_id, conversation_id, comment_id, task_id)
       SELECT x.id, $1, x.recipient_id, x.reason, x.actor_id, x.conversation_id, x.comment_id, x.task_id
         FROM (SELECT x.*, pg_advisory_xact_lock(${NOTIFICATION_LOCK}, hashtext(x.recipient_id::text)) AS locked
                 FROM json_to_recordset($2::json) AS x(id uuid, recipient_id uuid, reason text, actor_id uuid, conversation_id uuid, comment_id uuid, task_id uuid)
                ORDER BY x.recipient_id) x`,
      [
        organizationId,
        JSON.stringify(
          rows.map((row) => ({
            id: row.id,
            recipient_id: row.recipientId,
            reason: row.reason,
            actor_id: row.actorId,
            conversation_id: row.conversationId ?? null,
            comment_id: row.commentId ?? null,
            task_id: row.taskId ?? null,
          })),
        ),
      ],
    );
    return { organizationId, recipientIds: [...new Set(rows.map((row) => row.recipientId))] };
  }

  /** After the commit: rings the recipients' live feeds on every instance. Never throws. */
  async announce(notified: Notified): Promise<void> {
    if (notified.recipientIds.length === 0) return;
    await this.deps.events.notificationsAdded({ organizationId: notified.organizationId, recipientIds: [...notified.recipientIds] });
  }

  /**
   * The viewer's notifications they can see now, newest first, with
   * `totalCount` (of this list: unread only, or all) and `unreadCount`, in one statement.
   */
  async list(viewer: Viewer, request: Pick<PageRequest, 'first' | 'after'> & { unreadOnly: boolean }): Promise<NotificationPage> {
    const cursors = this.deps.cursors.of('notifications', viewer.actorId);
    const args = pageArgs(request, cursors);
    const rows: Record<string, any>[] = await this.dataSource.query(
      `SELECT counts.total, counts.unread, page.*
         FROM (SELECT count(*) FILTER (WHERE NOT $3 OR n.read_at IS NULL)::int AS total,
                      count(*) FILTER (WHERE n.read_at IS NULL)::int AS unread
                 FROM notifications n JOIN actors r ON r.id = n.recipient_id
                WHERE ${OWN_VISIBLE}) counts
         LEFT JOIN LATERAL (
           SELECT ${NOTIFICATION_WITH_RELATIONS}
             FROM notifications n JOIN actors r ON r.id = n.recipient_id
            WHERE ${OWN_VISIBLE} AND (NOT $3 OR n.read_at IS NULL) AND ($4::bigint IS NULL OR n.seq < $4::bigint)
            ORDER BY n.seq DESC
            LIMIT $5
         ) page ON true
        ORDER BY page.seq DESC`,
      [viewer.actorId, viewer.organizationId, request.unreadOnly, args.afterSeq, args.first! + 1],
    );
    const notifications = rows.filter((row) => row.id).map((row) => hydrateNotification(this.dataSource, row));
    const page = { rows: notifications, totalCount: rows[0]?.total ?? 0, rowsBeforeWindow: args.afterSeq !== null, rowsAfterWindow: false };
    const connection = toConnection(page, args, cursors);
    return { ...connection, unreadCount: rows[0]?.unread ?? 0 };
  }

  /** One of the viewer's notifications that they can see now (`node(id)`), or null. */
  async find(viewer: Viewer, id: string): Promise<LoadedNotification | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.dataSource.query(
      `SELECT ${NOTIFICATION_WITH_RELATIONS} FROM notifications n JOIN actors r ON r.id = n.recipient_id WHERE n.id = $3 AND ${OWN_VISIBLE}`,
      [viewer.actorId, viewer.organizationId, id],
    );
    return row ? hydrateNotification(this.dataSource, row) : null;
  }

  /**
   * Marks notifications read; returns how many became read (those already
   * read do not count). `ids` must all be the viewer's own, visible
   * notifications, or the answer is NOT_FOUND and nothing changes (one
   * statement decides and writes); `all` marks every unread one the viewer can see.
   */
  async markRead(viewer: Viewer, input: { ids?: readonly string[] | null; all?: boolean | null }): Promise<number> {
    if (input.all) {
      if (input.ids != null) throw badInput('Give either ids or all: true, not both.', 'ids');
      const [row] = await this.dataSource.query(
        `WITH updated AS (
           UPDATE notifications n SET read_at = now() FROM actors r
            WHERE r.id = n.recipient_id AND ${OWN_VISIBLE} AND n.read_at IS NULL
           RETURNING 1)
         SELECT count(*)::int AS updated FROM updated`,
        [viewer.actorId, viewer.organizationId],
      );
      return row.updated;
    }
    if (input.ids == null) throw badInput('Give the ids of the notifications to mark read, or all: true.', 'ids');
    if (input.ids.length > MAX_IDS) throw badInput(`At most ${MAX_IDS} ids at once; use all: true for every notification.`, 'ids');
    const ids = [...new Set(input.ids.map((id) => decodeId(id, 'Notification')))];
    if (ids.length === 0) return 0;
    const [row] = await this.dataSource.query(
      `WITH found AS (
         SELECT n.id FROM notifications n JOIN actors r ON r.id = n.recipient_id WHERE n.id = ANY($3) AND ${OWN_VISIBLE}),
       updated AS (
         UPDATE notifications SET read_at = now()
          WHERE id IN (SELECT id FROM found) AND read_at IS NULL AND (SELECT count(*) FROM found) = $4
         RETURNING 1)
       SELECT (SELECT count(*) FROM found)::int AS found, (SELECT count(*) FROM updated)::int AS updated`,
      [viewer.actorId, viewer.organizationId, ids, ids.length],
    );
    if (row.found !== ids.length) throw notFound();
    return row.updated;
  }
}
