import DataLoader from 'dataloader';
import type { Viewer } from '../auth/viewer';
import type { ReadBatch } from '../reads';

/**
 * For a guest viewer: which of these actors are present (a participant, or a
 * guest with access) in a conversation the guest can read. One statement per
 * batch, so a guest's list of inviters costs one query, not one per guest.
 */
export function createPresentWithGuestLoader(reads: ReadBatch, viewer: Viewer | null) {
  return new DataLoader<string, boolean>(async (actorIds) => {
    if (!viewer || viewer.kind !== 'GUEST') return actorIds.map(() => false);
    const found = await reads.value<string[]>(
      `SELECT coalesce(json_agg(present.actor_id), '[]') FROM (
         SELECT p.actor_id FROM live_guest_access mine
           JOIN conversation_participants p ON p.conversation_id = mine.conversation_id
          WHERE mine.guest_id = $1::uuid AND p.actor_id = ANY($2::uuid[])
         UNION
         SELECT g.guest_id FROM live_guest_access mine
           JOIN live_guest_access g ON g.conversation_id = mine.conversation_id
          WHERE mine.guest_id = $1::uuid AND g.guest_id = ANY($2::uuid[])
       ) present`,
      [viewer.actorId, actorIds],
    );
    const present = new Set(found);
    return actorIds.map((id) => present.has(id));
  });
}
