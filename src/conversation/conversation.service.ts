import type { DataSource, EntityManager } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import type { AuditService } from '../audit/audit.service';
import { isGuest, type Viewer } from '../auth/viewer';
import { NO_CLIENT, type Client } from '../client';
import { badInput, DomainError, ErrorCode, forbidden, notFound } from '../errors';
import { hydrate, jsonObjectOf } from '../hydrate';
import { decodeActorId, decodeId } from '../ids';
import { type Connection, type CursorCodec, pageArgs, type PageRequest, toConnection } from '../pagination';
import type { DomainEvents } from '../realtime/events';
import type { Reader } from '../reads';
import type { Scope } from '../scope';
import { TeamEntity } from '../team/team.entity';
import * as validate from '../validation';
import { ConversationEntity } from './conversation.entity';
import { conversationPolicy } from './conversation.policy';

const MAX_LABELS = 50;

export interface UpdateConversationFields {
  subject?: string | null;
  closed?: boolean | null;
  teamId?: string | null;
  assigneeIds?: string[] | null;
  labels?: string[] | null;
  allowGuests?: boolean | null;
}

export const guestNotAllowed = (message: string) => new DomainError(ErrorCode.GUEST_NOT_ALLOWED, message);

/** A guest with READ access tried to comment (or attach an upload to a comment). */
export const readOnlyAccess = () => forbidden('Your access to this conversation is read-only: you can read it and download its files, not comment.');

/** Members who take part become participants, once, in order of arrival. */
export async function addParticipants(manager: EntityManager, conversationId: string, actorIds: readonly string[]): Promise<void> {
  if (actorIds.length === 0) return;
  await manager.query(
    `INSERT INTO conversation_participants (conversation_id, actor_id)
     SELECT $1, a.id FROM unnest($2::uuid[]) WITH ORDINALITY AS ids(id, n)
       JOIN actors a ON a.id = ids.id AND a.kind = 'MEMBER'
      ORDER BY ids.n
     ON CONFLICT DO NOTHING`,
    [conversationId, actorIds],
  );
}

/** Settles the expired accesses of a conversation inside a transaction (the guest domain's AccessExpiryService). */
export interface ConversationAccessExpiry {
  settle(manager: EntityManager, scope: { conversationId: string }): Promise<unknown>;
}

export class ConversationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: DomainEvents,
    private readonly audit: AuditService,
    private readonly expiry: ConversationAccessExpiry,
    private readonly cursors: CursorCodec,
    private readonly reader: Reader,
  ) {}

  /**
   * The conversation if the viewer may read it; otherwise NOT_FOUND, exactly
   * as for an ID that does not exist.
   */
  async findReadable({ viewer, loaders }: Scope, id: string): Promise<ConversationEntity> {
    const conversation = await loaders.conversation.load(id);
    if (!conversation || !conversationPolicy.canRead(viewer, conversation)) throw notFound();
    return conversation;
  }

  /** Like findReadable, but takes a global ID. */
  findReadableByGlobalId(scope: Scope, globalId: string): Promise<ConversationEntity> {
    return this.findReadable(scope, decodeId(globalId, 'Conversation'));
  }

  /**
   * Locks the conversation row for the rest of the transaction and checks the
   * viewer may still read it (with `intent: 'comment'`, also comment on it):
   * comments and messages take their sequence under this lock, so their order
   * is their commit order. A guest whose access ended is NOT_FOUND; one whose
   * access is READ may not comment (FORBIDDEN).
   */
  async lockReadable(manager: EntityManager, viewer: Viewer, id: string, intent: 'read' | 'comment' = 'read'): Promise<ConversationEntity> {
    const conversation = await manager
      .createQueryBuilder(ConversationEntity, 'c')
      .setLock('pessimistic_write')
      .where('c.id = :id AND c.organization_id = :org', { id, org: viewer.organizationId })
      .getOne();
    if (!conversation) throw notFound();
    if (isGuest(viewer)) {
      // The request's snapshot of access may be stale by now (removed, expired, made READ): ask again inside the lock.
      const [access]: { level: string }[] = await manager.query(
        `SELECT level FROM live_guest_access WHERE conversation_id = $1 AND guest_id = $2 FOR SHARE`,
        [id, viewer.actorId],
      );
      if (!access || conversation.kind !== 'THREAD') throw notFound();
      if (intent === 'comment' && access.level !== 'COMMENT') throw readOnlyAccess();
    }
    return conversation;
  }

  /** Newest first. Members see every conversation; a guest sees only those they have access to. Forwards only (`first`/`after`). One statement, the total included. */
  async list(viewer: Viewer, request: Pick<PageRequest, 'first' | 'after'>): Promise<Connection<ConversationEntity>> {
    const cursors = this.cursors.of('conversations', viewer.organizationId);
    const args = pageArgs(request, cursors);
    const [{ page }] = await this.reader.query<{ page: { total: number; rows: Record<string, unknown>[] } }>(
      `WITH listed AS (
         SELECT * FROM conversations c
          WHERE c.organization_id = $1::uuid
            AND ($2::uuid[] IS NULL OR (c.id = ANY($2::uuid[]) AND c.kind = 'THREAD'))
       )
       SELECT json_build_object(
         'total', (SELECT count(*)::int FROM listed),
         'rows', (SELECT coalesce(json_agg(page.row ORDER BY page.seq DESC), '[]') FROM (
                    SELECT c.seq, ${jsonObjectOf(this.dataSource, ConversationEntity, 'c')} AS row FROM listed c
                     WHERE $3::bigint IS NULL OR c.seq < $3::bigint
                     ORDER BY c.seq DESC LIMIT $4::int) page)
       ) AS page`,
      [viewer.organizationId, isGuest(viewer) ? [...viewer.guestAccess.keys()] : null, args.afterSeq, args.first! + 1],
    );
    const rows = page.rows.map((row) => hydrate(this.dataSource, ConversationEntity, row));
    return toConnection({ rows, totalCount: page.total, rowsBeforeWindow: args.afterSeq !== null, rowsAfterWindow: false }, args, cursors);
  }

  async create(viewer: Viewer, input: { subject?: string | null; teamId?: string | null }): Promise<ConversationEntity> {
    if (!conversationPolicy.canCreate(viewer)) throw forbidden('Only organization members can create conversations.');
    const subject = validate.optionalText(input.subject, 'subject', 998) ?? null;
    return this.dataSource.transaction(async (manager) => {
      const teamId = input.teamId != null ? await this.teamOf(manager, viewer, input.teamId) : null;
      const conversation = await manager.save(
        manager.create(ConversationEntity, {
          organizationId: viewer.organizationId,
          kind: 'THREAD',
          subject,
          teamId,
          createdById: viewer.actorId,
        }),
      );
      await addParticipants(manager, conversation.id, [viewer.actorId]);
      return conversation;
    });
  }

  async createChatRoom(viewer: Viewer, input: { name: string }): Promise<ConversationEntity> {
    if (!conversationPolicy.canCreate(viewer)) throw forbidden('Only organization members can create chat rooms.');
    const name = validate.text(input.name, 'name', { max: 200 });
    return this.dataSource.manager.save(
      this.dataSource.manager.create(ConversationEntity, {
        organizationId: viewer.organizationId,
        kind: 'CHAT_ROOM',
        subject: name,
        allowGuests: false,
        createdById: viewer.actorId,
      }),
    );
  }

  /**
   * Settings. `allowGuests: false` also removes every guest from the
   * conversation (one GUEST_REMOVED each, after the accesses that had already
   * expired are recorded as such); their open subscriptions end through the
   * access event.
   */
  async update(viewer: Viewer, globalId: string, fields: UpdateConversationFields, client: Client = NO_CLIENT): Promise<ConversationEntity> {
    if (!conversationPolicy.canManage(viewer)) throw forbidden('Only organization members can change a conversation.');
    const id = decodeId(globalId, 'Conversation');
    const subject = fields.subject === undefined ? undefined : (validate.optionalText(fields.subject, 'subject', 998) ?? null);
    const labels = fields.labels == null ? undefined : this.cleanLabels(fields.labels);
    let guestsRemoved = false;
    const conversation = await this.dataSource.transaction(async (manager) => {
      const conversation = await this.lockReadable(manager, viewer, id);
      if (subject !== undefined) conversation.subject = subject;
      if (fields.closed != null) conversation.closed = fields.closed;
      if (labels) conversation.labels = labels;
      if (fields.teamId !== undefined) {
        conversation.teamId = fields.teamId === null ? null : await this.teamOf(manager, viewer, fields.teamId);
      }
      if (fields.allowGuests != null) {
        if (fields.allowGuests && conversation.kind === 'CHAT_ROOM') {
          throw guestNotAllowed('Chat rooms are internal: guests can never be added to them.');
        }
        if (!fields.allowGuests && conversation.allowGuests) {
          await this.expiry.settle(manager, { conversationId: id });
          const removed: { guest_id: string }[] = await manager.query(
            `WITH removed AS (DELETE FROM guest_access WHERE conversation_id = $1 RETURNING guest_id, seq) SELECT guest_id FROM removed ORDER BY seq`,
            [id],
          );
          guestsRemoved = removed.length > 0;
          const event = { organizationId: viewer.organizationId, actorId: viewer.actorId, conversationId: id, client };
          await this.audit.record(manager, [
            { ...event, action: 'CONVERSATION_GUESTS_CHANGED', details: { allowGuests: { from: true, to: false } } },
            ...removed.map((row) => ({ ...event, action: 'GUEST_REMOVED' as const, subjectId: row.guest_id })),
          ]);
        } else if (fields.allowGuests && !conversation.allowGuests) {
          await this.audit.record(manager, {
            organizationId: viewer.organizationId,
            action: 'CONVERSATION_GUESTS_CHANGED',
            actorId: viewer.actorId,
            conversationId: id,
            client,
            details: { allowGuests: { from: false, to: true } },
          });
        }
        conversation.allowGuests = fields.allowGuests;
      }
      if (fields.assigneeIds != null) await this.replaceAssignees(manager, viewer, conversation, fields.assigneeIds);
      conversation.updatedAt = new Date();
      return manager.save(conversation);
    });
    if (guestsRemoved) await this.events.accessChanged({ organizationId: viewer.organizationId, conversationIds: [id] });
    return conversation;
  }

  private async replaceAssignees(manager: EntityManager, viewer: Viewer, conversation: ConversationEntity, globalIds: string[]) {
    const claimed = new Map(
      globalIds.map((globalId) => {
        const actor = decodeActorId(globalId);
        if (!actor) throw notFound();
        return [actor.id, actor.kind] as const;
      }),
    );
    const ids = [...claimed.keys()];
    const actors = ids.length
      ? await manager
          .createQueryBuilder(ActorEntity, 'a')
          .where('a.id = ANY(:ids) AND a.organization_id = :org', { ids, org: viewer.organizationId })
          .getMany()
      : [];
    if (actors.length !== ids.length || actors.some((actor) => claimed.get(actor.id) !== actor.kind)) throw notFound();
    if (actors.some((actor) => actor.kind !== 'MEMBER')) throw badInput('Only members can be assigned.', 'assigneeIds');
    await manager.query(`DELETE FROM conversation_assignees WHERE conversation_id = $1 AND NOT (actor_id = ANY($2))`, [conversation.id, ids]);
    await manager.query(
      `INSERT INTO conversation_assignees (conversation_id, actor_id)
       SELECT $1, id FROM unnest($2::uuid[]) WITH ORDINALITY AS ids(id, n) ORDER BY n
       ON CONFLICT DO NOTHING`,
      [conversation.id, ids],
    );
    await addParticipants(manager, conversation.id, ids);
  }

  private async teamOf(manager: EntityManager, viewer: Viewer, globalId: string): Promise<string> {
    const id = decodeId(globalId, 'Team');
    const exists = await manager.existsBy(TeamEntity, { id, organizationId: viewer.organizationId });
    if (!exists) throw notFound();
    return id;
  }

  private cleanLabels(labels: string[]): string[] {
    const clean = [...new Set(labels.map((label) => validate.text(label, 'labels', { max: 50 })))];
    if (clean.length > MAX_LABELS) throw badInput(`A conversation takes at most ${MAX_LABELS} labels.`, 'labels');
    return clean;
  }
}
