import DataLoader from 'dataloader';
import type { DataSource, EntityTarget } from 'typeorm';
import { ActorEntity } from './actor/actor.entity';
import { createPresentWithGuestLoader } from './actor/actor.loader';
import { AttachmentEntity } from './attachment/attachment.entity';
import {
  createAttachmentsByCommentLoader,
  createAttachmentsByMessageLoader,
} from './attachment/attachment.loader';
import type { Viewer } from './auth/viewer';
import { hydrate, jsonObjectOf, sqlOnce } from './hydrate';
import { createCommentPageLoader } from './comment/comment.loader';
import { ConversationEntity } from './conversation/conversation.entity';
import { createPresenceLoader } from './conversation/presence.loader';
import { createGuestAccessesLoader } from './guest/guest-access.loader';
import { createGuestConversationsLoader } from './guest/guest.loader';
import { createMessagePageLoader } from './message/message.loader';
import type { ReadBatch } from './reads';
import { createTasksByConversationLoader } from './task/task.loader';
import { TeamEntity } from './team/team.entity';
import { createTeamMembersLoader, createTeamOfConversationLoader } from './team/team.loader';

/**
 * Rows of one entity of the viewer's organization by id, one `= ANY($1)`
 * read per batch; another organization's id finds nothing. Visibility
 * within the organization is the policies' job, not the loader's.
 */
function createByIdLoader<T extends { id: string; organizationId: string }>(
  dataSource: DataSource,
  reads: ReadBatch,
  entity: EntityTarget<T>,
  organizationId: string | null,
) {
  const sql = sqlOnce(`by-id:${dataSource.getMetadata(entity).tableName}`, () =>
    `SELECT coalesce(json_agg(${jsonObjectOf(dataSource, entity, 'row')}), '[]')
                 FROM ${dataSource.getMetadata(entity).tableName} row
                WHERE row.id = ANY($1::uuid[]) AND row.organization_id = $2::uuid`,
  );
  return new DataLoader<string, T | null>(async (ids) => {
    if (!organizationId) return ids.map(() => null);
    const rows = await reads.value<Record<string, unknown>[]>(sql, [ids, organizationId]);
    const byId = new Map(rows.map((row) => [row.id, hydrate(dataSource, entity, row)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/**
 * Per-request DataLoaders, all scoped to the viewer's organization. Built anew
 * for every request and every subscription event: never cached across them.
 * Those on a page's path read through the request's ReadBatch, so the loads of
 * one tick (a conversation's people, tasks, messages and comments) cost one
 * statement.
 */
export function createLoaders(dataSource: DataSource, reads: ReadBatch, viewer: Viewer | null) {
  const organizationId = viewer?.organizationId ?? null;
  return {
    actor: createByIdLoader(dataSource, reads, ActorEntity, organizationId),
    presentWithGuest: createPresentWithGuestLoader(reads, viewer),
    conversation: createByIdLoader(dataSource, reads, ConversationEntity, organizationId),
    commentPage: createCommentPageLoader(dataSource, reads, organizationId),
    messagePage: createMessagePageLoader(dataSource, reads, organizationId),
    tasksByConversation: createTasksByConversationLoader(dataSource, reads, organizationId),
    presence: createPresenceLoader(dataSource, reads, organizationId),
    team: createByIdLoader(dataSource, reads, TeamEntity, organizationId),
    teamOfConversation: createTeamOfConversationLoader(dataSource, reads, organizationId),
    teamMembers: createTeamMembersLoader(dataSource),
    guestConversations: createGuestConversationsLoader(dataSource, organizationId),
    guestAccesses: createGuestAccessesLoader(dataSource, reads, organizationId),
    /** By id, whatever its conversation: only for what already decided the viewer may see it (the audit log). */
    attachment: createByIdLoader(dataSource, reads, AttachmentEntity, organizationId),
    attachmentsByComment: createAttachmentsByCommentLoader(dataSource, reads, viewer),
    attachmentsByMessage: createAttachmentsByMessageLoader(dataSource, reads, viewer),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
