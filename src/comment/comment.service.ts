import type { DataSource, EntityManager } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import { isGuest, isMember, liveAccess, type Viewer } from '../auth/viewer';
import { conversationPolicy } from '../conversation/conversation.policy';
import { addParticipants, readOnlyAccess, type ConversationService } from '../conversation/conversation.service';
import type { ConversationEntity } from '../conversation/conversation.entity';
import { badInput, DomainError, ErrorCode } from '../errors';
import { hydrate } from '../hydrate';
import { decodeActorId, decodeId } from '../ids';
import type { NotificationService } from '../notification/notification.service';
import type { DomainEvents } from '../realtime/events';
import { reportCommentCommitted } from '../realtime/observability';
import type { RateLimitService } from '../security/rate-limit.service';
import * as validate from '../validation';
import type { PostCommentInput } from './comment.inputs';
import { COMMENT_WITH_RELATIONS, hydrateComment, type LoadedComment } from './comment.loader';

export const MAX_COMMENT_LENGTH = 10_000;
const MAX_MENTIONS = 50;

/** Claims uploads for a comment or message inside the caller's transaction (the attachment service). */
export interface AttachmentClaimer {
  claim(
    manager: EntityManager,
    viewer: Viewer,
    attachmentIds: readonly string[],
    target: { conversationId: string; commentId?: string; messageId?: string },
  ): Promise<unknown[]>;
}

const mentionNotAllowed = (message: string) => new DomainError(ErrorCode.MENTION_NOT_ALLOWED, message);

export class CommentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly conversations: ConversationService,
    private readonly rateLimits: RateLimitService,
    private readonly attachments: AttachmentClaimer,
    private readonly events: DomainEvents,
    private readonly notifications: NotificationService,
  ) {}

  /**
   * Posts an internal comment. Validation, access, mentions and attachments
   * are all checked before anything is written; the comment, its mentions,
   * its participants and the mentioned people's notifications are one
   * transaction, and subscribers hear of it after the commit.
   */
  async post(viewer: Viewer, input: PostCommentInput): Promise<LoadedComment> {
    const conversationId = decodeId(input.conversationId, 'Conversation');
    const body = this.validBody(input.body);
    const mentionIds = this.decodeMentions(input.mentionIds ?? []);
    const attachmentIds = [...(input.attachmentIds ?? [])];
    // READ access: refused before it costs the guest a comment of their allowance (and checked again under the lock).
    if (isGuest(viewer) && liveAccess(viewer, conversationId)?.level === 'READ') throw readOnlyAccess();
    if (isGuest(viewer)) await this.rateLimits.consume('guestComment', viewer.actorId);

    const { commentId, notified } = await this.dataSource.transaction(async (manager) => {
      const conversation = await this.conversations.lockReadable(manager, viewer, conversationId, 'comment');
      const mentions = await this.checkMentions(manager, viewer, conversation, mentionIds);
      const [row] = await manager.query(
        `INSERT INTO comments (organization_id, conversation_id, author_id, body) VALUES ($1, $2, $3, $4) RETURNING id`,
        [viewer.organizationId, conversation.id, viewer.actorId, body],
      );
      const id: string = row.id;
      if (mentions.length > 0) {
        await manager.query(
          `INSERT INTO comment_mentions (comment_id, actor_id, position)
           SELECT $1, id, n FROM unnest($2::uuid[]) WITH ORDINALITY AS m(id, n)`,
          [id, mentions.map((actor) => actor.id)],
        );
      }
      if (attachmentIds.length > 0) await this.attachments.claim(manager, viewer, attachmentIds, { conversationId: conversation.id, commentId: id });
      await addParticipants(manager, conversation.id, [
        ...(isMember(viewer) ? [viewer.actorId] : []),
        ...mentions.filter((actor) => actor.kind === 'MEMBER').map((actor) => actor.id),
      ]);
      await manager.query(`UPDATE conversations SET updated_at = now() WHERE id = $1`, [conversation.id]);
      const notified = await this.notifications.create(
        manager,
        viewer.organizationId,
        mentions.map((actor) => ({ recipientId: actor.id, reason: 'MENTIONED', actorId: viewer.actorId, conversationId: conversation.id, commentId: id })),
      );
      return { commentId: id, notified };
    });
    reportCommentCommitted({ conversationId, commentId });
    // Read back after the commit: the conversation's lock, which orders every comment of it, is held no longer than the writes.
    const comment = (await this.findLoaded(viewer, commentId))!;
    await this.events.commentAdded({ conversationId: comment.conversationId, commentId: comment.id, seq: comment.seq });
    await this.notifications.announce(notified);
    return comment;
  }

  /**
   * One comment with its relations, if the viewer may read its conversation; else null, for a missing
   * one alike: the same single statement either way, so the two take the same time.
   */
  async findLoaded(viewer: Viewer, commentId: string): Promise<LoadedComment | null> {
    const [row] = await this.dataSource.query(
      `SELECT ${COMMENT_WITH_RELATIONS} FROM comments c
        WHERE c.id = $1 AND c.organization_id = $2 AND ($3::uuid[] IS NULL OR c.conversation_id = ANY($3::uuid[]))`,
      [commentId, viewer.organizationId, conversationPolicy.readableIds(viewer)],
    );
    return row ? hydrateComment(this.dataSource, row) : null;
  }

  private validBody(body: string): string {
    validate.storable(body, 'body');
    if (body.trim().length === 0) throw badInput('body must not be empty.', 'body');
    // Characters as people count them (code points, like PostgreSQL's char_length), not UTF-16 units: an emoji is one.
    if (body.length > MAX_COMMENT_LENGTH && [...body].length > MAX_COMMENT_LENGTH) throw badInput(`body must be at most ${MAX_COMMENT_LENGTH.toLocaleString('en')} characters.`, 'body');
    return body;
  }

  /** Mention IDs must be actor IDs; anything else cannot be mentioned. */
  private decodeMentions(globalIds: readonly string[]): Map<string, 'MEMBER' | 'GUEST'> {
    if (globalIds.length > MAX_MENTIONS) throw badInput(`A comment mentions at most ${MAX_MENTIONS} people.`, 'mentionIds');
    const mentions = new Map<string, 'MEMBER' | 'GUEST'>();
    for (const globalId of globalIds) {
      const actor = decodeActorId(globalId);
      if (!actor) throw mentionNotAllowed('You can only mention people present in this conversation.');
      mentions.set(actor.id, actor.kind);
    }
    return mentions;
  }

  /**
   * A guest may mention only the actors present. A member may also mention any
   * member of the organization (who then joins the conversation), but a guest
   * only while that guest has access.
   */
  private async checkMentions(
    manager: EntityManager,
    viewer: Viewer,
    conversation: ConversationEntity,
    mentions: Map<string, 'MEMBER' | 'GUEST'>,
  ): Promise<ActorEntity[]> {
    if (mentions.size === 0) return [];
    const ids = [...mentions.keys()];
    const rows: (Record<string, unknown> & { present: boolean })[] = await manager.query(
      `SELECT a.*,
              (EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_id = $3 AND p.actor_id = a.id)
               OR EXISTS (SELECT 1 FROM live_guest_access g WHERE g.conversation_id = $3 AND g.guest_id = a.id)
               OR ($4 = 'CHAT_ROOM' AND a.kind = 'MEMBER')) AS present
         FROM actors a
        WHERE a.id = ANY($1) AND a.organization_id = $2`,
      [ids, viewer.organizationId, conversation.id, conversation.kind],
    );
    const byId = new Map(rows.map((row) => [row.id as string, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      const allowed = row && row.kind === mentions.get(id) && (row.present || (isMember(viewer) && row.kind === 'MEMBER'));
      if (!row || !allowed) throw mentionNotAllowed('You can only mention people present in this conversation.');
      return hydrate(this.dataSource, ActorEntity, row);
    });
  }
}
