import type { DataSource, EntityManager } from 'typeorm';
import type { Viewer } from '../auth/viewer';
import type { Client } from '../client';
import { badInput, forbidden } from '../errors';
import { hydrate } from '../hydrate';
import type { Logger } from '../logger';
import { decodeActorId, isUuid, parseGlobalId } from '../ids';
import { MAX_PAGE_SIZE } from '../pagination';
import { decodeAuditCursor, encodeAuditCursor, type AuditPosition } from './audit.cursor';
import { AuditEventEntity, type AuditAction } from './audit.entity';
import { auditPolicy } from './audit.policy';

/** One event to record; `record` adds the time (or takes `occurredAt`, for an expiry: the moment it happened). */
export interface AuditRecord {
  organizationId: string;
  action: AuditAction;
  actorId?: string | null;
  subjectId?: string | null;
  conversationId?: string | null;
  attachmentId?: string | null;
  /** The request that caused it; none for the system's own events. */
  client?: Client | null;
  details?: Record<string, unknown> | null;
  /** A Date, or a timestamp as PostgreSQL printed it (exact to the microsecond). */
  occurredAt?: Date | string;
}

/** `organization.auditEvents(filter)` as the API takes it: global IDs, enum values. */
export interface AuditFilterInput {
  actions?: AuditAction[] | null;
  actorId?: string | null;
  subjectId?: string | null;
  conversationId?: string | null;
  since?: Date | null;
  until?: Date | null;
}

/** A validated query of the log: database ids, and `null` where the filter has nothing to match. */
export interface AuditQuery {
  organizationId: string;
  actions: AuditAction[] | null;
  actorId: string | null;
  subjectId: string | null;
  conversationId: string | null;
  since: Date | null;
  until: Date | null;
  /** A filter no event can match (an empty `actions`, an ID of another type): answered without a statement. */
  empty: boolean;
}

export interface AuditEdge {
  cursor: string;
  node: AuditEventEntity;
}

/** One page, newest first. `totalCount` is its own statement, run only when asked for (see the resolver). */
export interface AuditPage {
  edges: AuditEdge[];
  nodes: AuditEventEntity[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  query: AuditQuery;
}

/** Longest user agent kept: a header is the client's to fill, the log is forever. */
const MAX_USER_AGENT = 512;

const COLUMNS = `e.id, e.organization_id, e.action, e.actor_id, e.subject_id, e.conversation_id, e.attachment_id, e.ip, e.user_agent,
  e.details, e.occurred_at, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time`;

/** Something that may owe the log events before it is read (accesses that expired unnoticed). */
export interface PendingAuditEvents {
  settleOrganization(organizationId: string): Promise<unknown>;
}

/**
 * The organization's audit log. Writers call `record` inside the transaction
 * of the change they record, so a change never commits without its event and
 * a rolled-back one leaves none. Reads are for owners and admins, newest
 * first, each filter answered from its own B-tree index.
 */
export class AuditService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly pending: PendingAuditEvents,
    private readonly logger: Logger,
  ) {}

  /**
   * Inserts events in one statement, in the caller's transaction. An event the
   * log already has (an expiry another instance recorded first: a unique index
   * says so) is skipped, not an error.
   */
  async record(manager: EntityManager, events: AuditRecord | readonly AuditRecord[]): Promise<void> {
    const list = Array.isArray(events) ? events : [events as AuditRecord];
    if (list.length === 0) return;
    const rows = list.map((event) => ({
      organization_id: event.organizationId,
      action: event.action,
      actor_id: event.actorId ?? null,
      subject_id: event.subjectId ?? null,
      conversation_id: event.conversationId ?? null,
      attachment_id: event.attachmentId ?? null,
      ip: event.client?.ip ?? null,
      user_agent: event.client?.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
      details: event.details ?? null,
      occurred_at: event.occurredAt instanceof Date ? event.occurredAt.toISOString() : (event.occurredAt ?? null),
    }));
    // clock_timestamp(), not now(): events of one transaction keep the order they were recorded in.
    await manager.query(
      `INSERT INTO audit_events (organization_id, action, actor_id, subject_id, conversation_id, attachment_id, ip, user_agent, details, occurred_at)
       SELECT organization_id, action, actor_id, subject_id, conversation_id, attachment_id, ip, user_agent, details,
              coalesce(occurred_at, clock_timestamp())
         FROM jsonb_to_recordset($1::jsonb) AS e(organization_id uuid, action text, actor_id uuid, subject_id uuid, conversation_id uuid,
                                                 attachment_id uuid, ip text, user_agent text, details jsonb, occurred_at timestamptz)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  /**
   * Records events that go with no change (a failed log-in) on their own,
   * without the caller waiting: a failure is logged, never the caller's.
   */
  recordDetached(events: readonly AuditRecord[]): void {
    this.record(this.dataSource.manager, events).catch((error: unknown) =>
      this.logger.error({ err: error, actions: events.map((event) => event.action) }, 'could not record audit events'),
    );
  }

  /**
   * A page of the viewer's organization's log, newest first. Accesses that
   * expired unnoticed are settled first, so the log is complete when read.
   * One statement for the page, whichever filter.
   */
  async list(viewer: Viewer, args: { first?: number | null; after?: string | null; filter?: AuditFilterInput | null }): Promise<AuditPage> {
    this.assertCanRead(viewer);
    const first = args.first ?? 20;
    if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) throw badInput(`first must be between 0 and ${MAX_PAGE_SIZE}.`, 'first');
    const after = decodeAuditCursor(args.after);
    const query = this.query(viewer.organizationId, args.filter ?? {});
    await this.pending.settleOrganization(viewer.organizationId);
    const rows = query.empty || first === 0 ? [] : await this.page(query, after, first + 1);
    const nodes = rows.slice(0, first).map((row) => hydrate(this.dataSource, AuditEventEntity, row));
    const edges = nodes.map((node, index) => ({ node, cursor: encodeAuditCursor({ occurredAt: rows[index]!.cursor_time as string, id: node.id }) }));
    return {
      edges,
      nodes,
      query,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: after !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  /** How many events match a query: a count over the matching index entries, so it grows with them (unlike the page). */
  async count(viewer: Viewer, query: AuditQuery): Promise<number> {
    this.assertCanRead(viewer);
    if (query.empty || query.organizationId !== viewer.organizationId) return 0;
    const { where, params } = this.conditions(query);
    const actions = query.actions ? ` AND e.action = ANY($${params.push(query.actions)}::text[])` : '';
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS count FROM audit_events e WHERE ${where.join(' AND ')}${actions}`, params);
    return row.count;
  }

  /** One event of the viewer's organization, for `node(id)`: null unless the viewer may read the log. */
  async find(viewer: Viewer, id: string): Promise<AuditEventEntity | null> {
    if (!auditPolicy.canReadAuditLog(viewer) || !isUuid(id)) return null;
    return this.dataSource.getRepository(AuditEventEntity).findOneBy({ id, organizationId: viewer.organizationId });
  }

  private assertCanRead(viewer: Viewer): void {
    if (!auditPolicy.canReadAuditLog(viewer)) throw forbidden('Only owners and admins can read the audit log.');
  }

  /** The filter as database ids. An ID of the wrong kind can match nothing; a malformed one is the caller's mistake. */
  private query(organizationId: string, filter: AuditFilterInput): AuditQuery {
    const actorOf = (globalId: string | null | undefined, field: string): string | null => {
      if (globalId == null) return null;
      const actor = decodeActorId(globalId);
      if (!actor) throw badInput(`${field} must be the ID of a User or a Guest.`, field);
      return actor.id;
    };
    let conversationId: string | null = null;
    if (filter.conversationId != null) {
      const parsed = parseGlobalId(filter.conversationId);
      if (!parsed || parsed.type !== 'Conversation') throw badInput('conversationId must be the ID of a Conversation.', 'conversationId');
      conversationId = parsed.id;
    }
    const actions = filter.actions == null ? null : [...new Set(filter.actions)];
    return {
      organizationId,
      actions,
      actorId: actorOf(filter.actorId, 'actorId'),
      subjectId: actorOf(filter.subjectId, 'subjectId'),
      conversationId,
      since: filter.since ?? null,
      until: filter.until ?? null,
      empty: actions?.length === 0,
    };
  }

  /** The conditions every filter adds, each one an equality or range the filter's index answers. */
  private conditions(query: AuditQuery, after: AuditPosition | null = null): { where: string[]; params: unknown[] } {
    const params: unknown[] = [query.organizationId];
    const where = ['e.organization_id = $1'];
    if (query.actorId) where.push(`e.actor_id = $${params.push(query.actorId)}`);
    if (query.subjectId) where.push(`e.subject_id = $${params.push(query.subjectId)}`);
    if (query.conversationId) where.push(`e.conversation_id = $${params.push(query.conversationId)}`);
    if (query.since) where.push(`e.occurred_at >= $${params.push(query.since)}`);
    if (query.until) where.push(`e.occurred_at < $${params.push(query.until)}`);
    if (after) where.push(`(e.occurred_at, e.id) < ($${params.push(after.occurredAt)}::timestamptz, $${params.push(after.id)}::uuid)`);
    return { where, params };
  }

  /**
   * Newest first, `limit` rows. Several actions cannot come out of one index
   * range in time order, so each action reads its own first `limit` rows from
   * the (organization, action, time) index and the few are merged: the cost
   * is bounded by actions x limit, never by the size of the log.
   */
  private async page(query: AuditQuery, after: AuditPosition | null, limit: number): Promise<Record<string, unknown>[]> {
    const { where, params } = this.conditions(query, after);
    const limitParam = `$${params.push(limit)}`;
    if (!query.actions) {
      return this.dataSource.query(
        `SELECT ${COLUMNS} FROM audit_events e WHERE ${where.join(' AND ')} ORDER BY e.occurred_at DESC, e.id DESC LIMIT ${limitParam}`,
        params,
      );
    }
    const actionsParam = `$${params.push(query.actions)}::text[]`;
    return this.dataSource.query(
      `SELECT page.* FROM unnest(${actionsParam}) AS wanted(action)
         CROSS JOIN LATERAL (
           SELECT ${COLUMNS} FROM audit_events e
            WHERE ${where.join(' AND ')} AND e.action = wanted.action
            ORDER BY e.occurred_at DESC, e.id DESC LIMIT ${limitParam}
         ) page
        ORDER BY page.occurred_at DESC, page.id DESC
        LIMIT ${limitParam}`,
      params,
    );
  }
}
