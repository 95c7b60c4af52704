import type { DataSource } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import { AttachmentEntity } from '../attachment/attachment.entity';
import { hydrate } from '../hydrate';
import { createConversationPageLoader } from '../pagination';
import { CommentEntity } from './comment.entity';

/** A comment with what every client shows with it, fetched in the same statement. */
export type LoadedComment = CommentEntity & {
  author?: ActorEntity;
  mentions?: ActorEntity[];
  attachments?: AttachmentEntity[];
};

/** Columns of `c` plus its author, mentions and attachments as JSON. */
export const COMMENT_WITH_RELATIONS = `
  c.*,
  (SELECT to_jsonb(a) FROM actors a WHERE a.id = c.author_id) AS author_json,
  (SELECT coalesce(jsonb_agg(to_jsonb(ma) ORDER BY m.position), '[]'::jsonb)
     FROM comment_mentions m JOIN actors ma ON ma.id = m.actor_id WHERE m.comment_id = c.id) AS mentions_json,
  (SELECT coalesce(jsonb_agg(to_jsonb(f) ORDER BY f.seq), '[]'::jsonb)
     FROM attachments f WHERE f.comment_id = c.id) AS attachments_json`;

export function hydrateComment(dataSource: DataSource, row: Record<string, any>): LoadedComment {
  const comment: LoadedComment = hydrate(dataSource, CommentEntity, row);
  if (row.author_json) comment.author = hydrate(dataSource, ActorEntity, row.author_json);
  comment.mentions = (row.mentions_json ?? []).map((actor: Record<string, unknown>) => hydrate(dataSource, ActorEntity, actor));
  comment.attachments = (row.attachments_json ?? []).map((file: Record<string, unknown>) => hydrate(dataSource, AttachmentEntity, file));
  return comment;
}

/** Comments of any number of conversations, oldest first, one statement per (first, after). */
export function createCommentPageLoader(dataSource: DataSource, organizationId: string | null) {
  return createConversationPageLoader<LoadedComment>(dataSource, organizationId, { table: 'comments', alias: 'c', select: COMMENT_WITH_RELATIONS, hydrate: hydrateComment });
}
