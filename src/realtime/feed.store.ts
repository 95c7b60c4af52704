import type { DataSource } from 'typeorm';
import type { SessionService } from '../auth/session.service';
import type { Viewer } from '../auth/viewer';
import { COMMENT_WITH_RELATIONS, hydrateComment, type LoadedComment } from '../comment/comment.loader';
import { ConversationEntity } from '../conversation/conversation.entity';
import { hydrateNotification, NOTIFICATION_WITH_RELATIONS, type LoadedNotification } from '../notification/notification.loader';
import type { NotificationFeedStore, NotificationRange } from './notification-feed';

/** The conversation a feed serves, as far as its reads need it. */
export type FeedConversation = Pick<ConversationEntity, 'id' | 'organizationId' | 'kind'>;

/** What a feed reads from PostgreSQL: the truth behind every doorbell. Each read serves every subscriber of a conversation on this instance at once. */
export interface FeedStore {
  latestSeq(conversation: FeedConversation): Promise<bigint>;
  /** Comments with seq in (afterSeq, upToSeq], oldest first, author, mentions and attachments preloaded. */
  comments(conversation: FeedConversation, afterSeq: bigint, upToSeq: bigint | null, limit: number): Promise<LoadedComment[]>;
  /** Current viewers of the sessions still alive: one statement for any number of subscribers. */
  viewers(sessionIds: string[]): Promise<Map<string, Viewer>>;
  /** The conversation as it is now, so events resolve `conversation { ... }` without a query per subscriber. */
  conversation(conversation: FeedConversation): Promise<ConversationEntity | null>;
  /** Deletes the conversation's expired accesses with their audit events (whichever instance comes first). */
  settleExpiredAccess(conversation: FeedConversation): Promise<unknown>;
}

/** The guest domain's expiry bookkeeping, as a feed needs it. */
export interface ConversationExpiry {
  settleConversation(conversationId: string): Promise<unknown>;
}

export class PostgresFeedStore implements FeedStore, NotificationFeedStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sessions: SessionService,
    private readonly expiry: ConversationExpiry,
  ) {}

  async latestSeq(conversation: FeedConversation): Promise<bigint> {
    const [row] = await this.dataSource.query(`SELECT max(seq)::text AS seq FROM comments WHERE conversation_id = $1`, [conversation.id]);
    return BigInt(row?.seq ?? 0);
  }

  async comments(conversation: FeedConversation, afterSeq: bigint, upToSeq: bigint | null, limit: number): Promise<LoadedComment[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${COMMENT_WITH_RELATIONS} FROM comments c
        WHERE c.organization_id = $1 AND c.conversation_id = $2
          AND c.seq > $3::bigint AND ($4::bigint IS NULL OR c.seq <= $4::bigint)
        ORDER BY c.seq
        LIMIT $5`,
      [conversation.organizationId, conversation.id, afterSeq.toString(), upToSeq?.toString() ?? null, limit],
    );
    return rows.map((row) => hydrateComment(this.dataSource, row));
  }

  async conversation(conversation: FeedConversation): Promise<ConversationEntity | null> {
    return this.dataSource.getRepository(ConversationEntity).findOneBy({ id: conversation.id, organizationId: conversation.organizationId });
  }

  async latestNotificationSeqs(organizationId: string, recipientIds: readonly string[]): Promise<Map<string, bigint>> {
    const rows: { recipient_id: string; seq: string | null }[] = await this.dataSource.query(
      `SELECT r.id AS recipient_id, (SELECT max(n.seq) FROM notifications n WHERE n.recipient_id = r.id AND n.organization_id = $2)::text AS seq
         FROM unnest($1::uuid[]) AS r(id)`,
      [recipientIds, organizationId],
    );
    return new Map(rows.map((row) => [row.recipient_id, BigInt(row.seq ?? 0)]));
  }

  async notifications(organizationId: string, ranges: readonly NotificationRange[], limit: number): Promise<LoadedNotification[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT page.* FROM unnest($2::uuid[], $3::bigint[], $4::bigint[]) AS lane(recipient_id, after_seq, up_to_seq)
        CROSS JOIN LATERAL (
          SELECT ${NOTIFICATION_WITH_RELATIONS} FROM notifications n
           WHERE n.recipient_id = lane.recipient_id AND n.organization_id = $1
             AND n.seq > lane.after_seq AND (lane.up_to_seq IS NULL OR n.seq <= lane.up_to_seq)
           ORDER BY n.seq
           LIMIT $5
        ) page
        ORDER BY page.recipient_id, page.seq`,
      [
        organizationId,
        ranges.map((range) => range.recipientId),
        ranges.map((range) => range.afterSeq.toString()),
        ranges.map((range) => range.upToSeq?.toString() ?? null),
        limit,
      ],
    );
    return rows.map((row) => hydrateNotification(this.dataSource, row));
  }

  viewers(sessionIds: string[]): Promise<Map<string, Viewer>> {
    return this.sessions.viewersOf(sessionIds);
  }

  settleExpiredAccess(conversation: FeedConversation): Promise<unknown> {
    return this.expiry.settleConversation(conversation.id);
  }
}
