import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Viewer } from '../auth/viewer';
import { AttachmentEntity } from './attachment.entity';

type Owner = 'comment_id' | 'message_id';

/**
 * The attachments of many comments (or messages) in one `= ANY($1)`
 * statement, regrouped per owner in display order (seq). Scoped to the
 * viewer's organization; whether the viewer may read the owner is the
 * caller's business, as for every loader.
 */
function createAttachmentsByOwnerLoader(dataSource: DataSource, viewer: Viewer | null, owner: Owner) {
  const property = owner === 'comment_id' ? 'commentId' : 'messageId';
  return new DataLoader<string, AttachmentEntity[]>(async (ownerIds) => {
    if (!viewer) return ownerIds.map(() => []);
    const rows = await dataSource
      .getRepository(AttachmentEntity)
      .createQueryBuilder('a')
      .where(`a.${owner} = ANY(:ownerIds) AND a.organization_id = :org`, { ownerIds, org: viewer.organizationId })
      .orderBy('a.seq', 'ASC')
      .getMany();
    const grouped = new Map<string, AttachmentEntity[]>(ownerIds.map((id) => [id, []]));
    for (const row of rows) grouped.get(row[property]!)?.push(row);
    return ownerIds.map((id) => grouped.get(id)!);
  });
}

export const createAttachmentsByCommentLoader = (dataSource: DataSource, viewer: Viewer | null) =>
  createAttachmentsByOwnerLoader(dataSource, viewer, 'comment_id');

export const createAttachmentsByMessageLoader = (dataSource: DataSource, viewer: Viewer | null) =>
  createAttachmentsByOwnerLoader(dataSource, viewer, 'message_id');
