import type { DataSource } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import { AttachmentEntity } from '../attachment/attachment.entity';
import { hydrate } from '../hydrate';
import { createConversationPageLoader } from '../pagination';
import type { ReadBatch } from '../reads';
import { MessageEntity } from './message.entity';

export type LoadedMessage = MessageEntity & { author?: ActorEntity | null; attachments?: AttachmentEntity[] };

export const MESSAGE_WITH_RELATIONS = `
  m.*,
  (SELECT to_jsonb(a) FROM actors a WHERE a.id = m.author_id) AS author_json,
  (SELECT coalesce(jsonb_agg(to_jsonb(f) ORDER BY f.seq), '[]'::jsonb)
     FROM attachments f WHERE f.message_id = m.id) AS attachments_json`;

export function hydrateMessage(dataSource: DataSource, row: Record<string, any>): LoadedMessage {
  const message: LoadedMessage = hydrate(dataSource, MessageEntity, row);
  message.author = row.author_json ? hydrate(dataSource, ActorEntity, row.author_json) : null;
  message.attachments = (row.attachments_json ?? []).map((file: Record<string, unknown>) => hydrate(dataSource, AttachmentEntity, file));
  return message;
}

/** Messages of any number of conversations, oldest first, one read per (first, after): with their authors and attachments, as for comments. */
export function createMessagePageLoader(dataSource: DataSource, reads: ReadBatch, organizationId: string | null) {
  return createConversationPageLoader<LoadedMessage>(dataSource, reads, organizationId, {
    table: 'messages',
    entity: MessageEntity,
    attachmentOwner: 'message_id',
    assemble: ({ actors, attachments }) => (message) => {
      message.author = message.authorId ? (actors.get(message.authorId) ?? null) : null;
      message.attachments = attachments.get(message.id) ?? [];
      return message;
    },
  });
}
