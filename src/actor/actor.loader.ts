import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Viewer } from '../auth/viewer';

/**
 * For a guest viewer: which of these actors are present (a participant, or a
 * guest with access) in a conversation the guest can read. One statement per
 * batch, so a guest's list of inviters costs one query, not one per guest.
 */
export function createPresentWithGuestLoader(dataSource: DataSource, viewer: Viewer | null) {
  return new DataLoader<string, boolean>(async (actorIds) => {
    if (!viewer || viewer.kind !== 'GUEST') return actorIds.map(() => false);
    const rows: { actor_id: string }[] = await dataSource.query(
      `SELECT p.actor_id FROM live_guest_access mine
         JOIN conversation_participants p ON p.conversation_id = mine.conversation_id
        WHERE mine.guest_id = $1 AND p.actor_id = ANY($2)
       UNION
       SELECT g.guest_id FROM live_guest_access mine
         JOIN live_guest_access g ON g.conversation_id = mine.conversation_id
        WHERE mine.guest_id = $1 AND g.guest_id = ANY($2)`,
      [viewer.actorId, actorIds],
    );
    const present = new Set(rows.map((row) => row.actor_id));
    return actorIds.map((id) => present.has(id));
  });
}
