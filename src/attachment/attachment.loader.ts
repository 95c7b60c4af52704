import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Viewer } from '../auth/viewer';
import { hydrate, jsonObjectOf, sqlOnce } from '../hydrate';
import type { ReadBatch } from '../reads';
import { AttachmentEntity } from './attachment.entity';

type Owner = 'comment_id' | 'message_id';

/**
 * The attachments of many comments (or messages) in one `= ANY($1)`
 * read, regrouped per owner in display order (seq). Scoped to the
 * viewer's organization; whether the viewer may read the owner is the
 * caller's business, as for every loader.
 */
function createAttachmentsByOwnerLoader(dataSource: DataSource, reads: ReadBatch, viewer: Viewer | null, owner: Owner) {
  const property = owner === 'comment_id' ? 'commentId' : 'messageId';
  const sql = sqlOnce(`attachments-by-${owner}`, () =>
    `
    SELECT coalesce(json_agg(${jsonObjectOf(dataSource, AttachmentEntity, 'a')} ORDER BY a.seq), '[]')
      FROM attachments a WHERE a.${owner} = ANY($1::uuid[]) AND a.organization_id = $2::uuid`,
  );
  return new DataLoader<string, AttachmentEntity[]>(async (ownerIds) => {
    if (!viewer) return ownerIds.map(() => []);
    const rows = await reads.value<Record<string, unknown>[]>(sql, [ownerIds, viewer.organizationId]);
    const grouped = new Map<string, AttachmentEntity[]>(ownerIds.map((id) => [id, []]));
    for (const row of rows) {
      const file = hydrate(dataSource, AttachmentEntity, row);
      grouped.get(file[property]!)?.push(file);
    }
    return ownerIds.map((id) => grouped.get(id)!);
  });
}

export const createAttachmentsByCommentLoader = (dataSource: DataSource, reads: ReadBatch, viewer: Viewer | null) =>
  createAttachmentsByOwnerLoader(dataSource, reads, viewer, 'comment_id');

export const createAttachmentsByMessageLoader = (dataSource: DataSource, reads: ReadBatch, viewer: Viewer | null) =>
  createAttachmentsByOwnerLoader(dataSource, reads, viewer, 'message_id');
