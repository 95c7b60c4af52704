import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Viewer } from '../auth/viewer';
import { ConversationEntity } from './conversation.entity';

/** Conversations of the viewer's organization by id (visibility is the policy's job, not the loader's). */
export function createConversationLoader(dataSource: DataSource, viewer: Viewer | null) {
  return new DataLoader<string, ConversationEntity | null>(async (ids) => {
    if (!viewer) return ids.map(() => null);
    const rows = await dataSource
      .getRepository(ConversationEntity)
      .createQueryBuilder('c')
      .where('c.id = ANY(:ids) AND c.organization_id = :org', { ids, org: viewer.organizationId })
      .getMany();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
