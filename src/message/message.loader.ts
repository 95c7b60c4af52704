import type { DataSource } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import { AttachmentEntity } from '../attachment/attachment.entity';
import { actorJson, hydrate } from '../hydrate';
import { createPageLoader, type Page } from '../pagination';
import { MessageEntity } from './message.entity';

export type LoadedMessage = MessageEntity & { author?: ActorEntity | null; attachments?: AttachmentEntity[] };

export const MESSAGE_WITH_RELATIONS = `
  m.*,
  (SELECT ${actorJson('a')} FROM actors a WHERE a.id = m.author_id) AS author_json,
  (SELECT coalesce(jsonb_agg(to_jsonb(f) ORDER BY f.seq), '[]'::jsonb)
     FROM attachments f WHERE f.message_id = m.id) AS attachments_json`;

export function hydrateMessage(dataSource: DataSource, row: Record<string, any>): LoadedMessage {
  const message: LoadedMessage = hydrate(dataSource, MessageEntity, row);
  message.author = row.author_json ? hydrate(dataSource, ActorEntity, row.author_json) : null;
  message.attachments = (row.attachments_json ?? []).map((file: Record<string, unknown>) => hydrate(dataSource, AttachmentEntity, file));
  return message;
}

/** Messages of any number of conversations, oldest first, one statement per (first, after). */
export function createMessagePageLoader(dataSource: DataSource, organizationId: string | null) {
  return createPageLoader<LoadedMessage>(async (conversationIds, { first, afterSeq }) => {
    const rows: Record<string, any>[] = await dataSource.query(
      `SELECT totals.conversation_id AS parent_id, totals.total, page.*
         FROM (SELECT conversation_id, count(*)::int AS total FROM messages
                WHERE conversation_id = ANY($1) AND organization_id = $2 GROUP BY conversation_id) totals
         LEFT JOIN LATERAL (
           SELECT ${MESSAGE_WITH_RELATIONS}
             FROM messages m
            WHERE m.conversation_id = totals.conversation_id AND ($3::bigint IS NULL OR m.seq > $3::bigint)
            ORDER BY m.seq
            LIMIT $4
         ) page ON true`,
      [conversationIds, organizationId, afterSeq, first + 1],
    );
    const pages = new Map<string, Page<LoadedMessage>>();
    for (const row of rows) {
      const page: Page<LoadedMessage> = pages.get(row.parent_id) ?? { rows: [], totalCount: row.total };
      if (row.id) page.rows.push(hydrateMessage(dataSource, row));
      pages.set(row.parent_id, page);
    }
    return pages;
  });
}
