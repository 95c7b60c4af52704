import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { ActorEntity } from '../actor/actor.entity';
import { hydrate, jsonObjectOf, sqlOnce } from '../hydrate';
import type { ReadBatch } from '../reads';

/** Who is present in a conversation, each list in order of arrival. */
export interface Presence {
  participants: ActorEntity[];
  guests: ActorEntity[];
  assignees: ActorEntity[];
}

/**
 * Who is present in conversations: members who took part (every member, in a
 * chat room) and guests with access now. One statement serves `participants`,
 * `guests` and `assignees` of every conversation asked for in the same tick.
 */
export function createPresenceLoader(dataSource: DataSource, reads: ReadBatch, organizationId: string | null) {
  const sql = sqlOnce('presence', () => {
    const actor = jsonObjectOf(dataSource, ActorEntity, 'a');
    return `
      SELECT coalesce(json_agg(json_build_object('conversation_id', conversation_id, 'source', source, 'actor', actor) ORDER BY seq), '[]') FROM (
        SELECT p.conversation_id, 'PARTICIPANT' AS source, p.seq, ${actor} AS actor
          FROM conversation_participants p
          JOIN conversations c ON c.id = p.conversation_id AND c.kind = 'THREAD'
          JOIN actors a ON a.id = p.actor_id
         WHERE p.conversation_id = ANY($1::uuid[]) AND c.organization_id = $2::uuid
        UNION ALL
        SELECT c.id, 'PARTICIPANT', a.seq, ${actor}
          FROM conversations c
          JOIN actors a ON a.organization_id = c.organization_id AND a.kind = 'MEMBER'
         WHERE c.id = ANY($1::uuid[]) AND c.organization_id = $2::uuid AND c.kind = 'CHAT_ROOM'
        UNION ALL
        SELECT g.conversation_id, 'GUEST', g.seq, ${actor}
          FROM live_guest_access g JOIN actors a ON a.id = g.guest_id
         WHERE g.conversation_id = ANY($1::uuid[]) AND g.organization_id = $2::uuid
        UNION ALL
        SELECT s.conversation_id, 'ASSIGNEE', s.seq, ${actor}
          FROM conversation_assignees s JOIN actors a ON a.id = s.actor_id
          JOIN conversations c ON c.id = s.conversation_id
         WHERE s.conversation_id = ANY($1::uuid[]) AND c.organization_id = $2::uuid
      ) presence`;
  });
  return new DataLoader<string, Presence>(async (conversationIds) => {
    const rows = organizationId
      ? await reads.value<{ conversation_id: string; source: 'PARTICIPANT' | 'GUEST' | 'ASSIGNEE'; actor: Record<string, unknown> }[]>(sql, [
          conversationIds,
          organizationId,
        ])
      : [];
    const byConversation = new Map<string, Presence>(conversationIds.map((id) => [id, { participants: [], guests: [], assignees: [] }]));
    for (const row of rows) {
      const presence = byConversation.get(row.conversation_id)!;
      const actor = hydrate(dataSource, ActorEntity, row.actor);
      if (row.source === 'ASSIGNEE') presence.assignees.push(actor);
      else presence.participants.push(actor);
      if (row.source === 'GUEST') presence.guests.push(actor);
    }
    return conversationIds.map((id) => byConversation.get(id)!);
  });
}
