import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Viewer } from '../auth/viewer';
import { ActorEntity } from './actor.entity';

/** Actors of the viewer's organization by id: one `= ANY($1)` statement per batch. */
export function createActorLoader(dataSource: DataSource, viewer: Viewer | null) {
  return new DataLoader<string, ActorEntity | null>(async (ids) => {
    if (!viewer) return ids.map(() => null);
    const rows = await dataSource
      .getRepository(ActorEntity)
      .createQueryBuilder('a')
      .where('a.id = ANY(:ids) AND a.organization_id = :org', { ids, org: viewer.organizationId })
      .getMany();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/**
 * For a guest viewer: which of these actors are present (a participant, or a
 * guest with access) in a conversation the guest can read. One statement per
 * batch, so a guest's list of inviters costs one query, not one per guest.
 */
export function createPresentWithGuestLoader(dataSource: DataSource, viewer: Viewer | null) {
  return new DataLoader<string, boolean>(async (actorIds) => {
    if (!viewer || viewer.kind !== 'GUEST') return actorIds.map(() => false);
    const rows: { actor_id: string }[] = await dataSource.query(
      `SELECT p.actor_id FROM guest_access mine
         JOIN conversation_participants p ON p.conversation_id = mine.conversation_id
        WHERE mine.guest_id = $1 AND p.actor_id = ANY($2)
       UNION
       SELECT g.guest_id FROM guest_access mine
         JOIN guest_access g ON g.conversation_id = mine.conversation_id
        WHERE mine.guest_id = $1 AND g.guest_id = ANY($2)`,
      [viewer.actorId, actorIds],
    );
    const present = new Set(rows.map((row) => row.actor_id));
    return actorIds.map((id) => present.has(id));
  });
}
