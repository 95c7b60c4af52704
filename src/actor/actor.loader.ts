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
