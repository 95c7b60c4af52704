import type { DataSource } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import { AttachmentEntity } from '../attachment/attachment.entity';
import { appendTo, hydrate } from '../hydrate';
import { createConversationPageLoader } from '../pagination';
import type { ReadBatch } from '../reads';
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

/**
 * Comments of any number of conversations, oldest first, one read per (first,
 * after): the page's comments, the actors they name (authors and mentions,
 * each once), their mentions and attachments, in one JSON bundle.
 */
export function createCommentPageLoader(dataSource: DataSource, reads: ReadBatch, organizationId: string | null) {
  const mentionsOfPage = 'FROM comment_mentions m WHERE m.comment_id IN (SELECT id FROM page_rows)';
  return createConversationPageLoader<LoadedComment>(dataSource, reads, organizationId, {
    table: 'comments',
    entity: CommentEntity,
    attachmentOwner: 'comment_id',
    moreActorIds: `SELECT m.actor_id ${mentionsOfPage}`,
    related: `(SELECT coalesce(json_agg(json_build_array(m.comment_id, m.actor_id) ORDER BY m.comment_id, m.position), '[]') ${mentionsOfPage})`,
    assemble({ actors, attachments, related }) {
      const mentions = new Map<string, ActorEntity[]>();
      for (const [commentId, actorId] of related as [string, string][]) {
        const actor = actors.get(actorId);
        if (actor) appendTo(mentions, commentId, actor);
      }
      return (comment) => {
        comment.author = actors.get(comment.authorId);
        comment.mentions = mentions.get(comment.id) ?? [];
        comment.attachments = attachments.get(comment.id) ?? [];
        return comment;
      };
    },
  });
}
