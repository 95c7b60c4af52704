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
import { createCommentPageLoader } from './comment/comment.loader';
import { ConversationEntity } from './conversation/conversation.entity';
import { createPresenceLoader } from './conversation/presence.loader';
import { createGuestAccessesLoader } from './guest/guest-access.loader';
import { createGuestConversationsLoader } from './guest/guest.loader';
import { createMessagePageLoader } from './message/message.loader';
import { createTasksByConversationLoader } from './task/task.loader';
import { TeamEntity } from './team/team.entity';
import { createTeamMembersLoader } from './team/team.loader';

/**
 * Rows of one entity of the viewer's organization by id, one `= ANY($1)`
 * statement per batch; another organization's id finds nothing. Visibility
 * within the organization is the policies' job, not the loader's.
 */
function createByIdLoader<T extends { id: string; organizationId: string }>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  organizationId: string | null,
) {
  return new DataLoader<string, T | null>(async (ids) => {
    if (!organizationId) return ids.map(() => null);
    const rows = await dataSource
      .getRepository(entity)
      .createQueryBuilder('row')
      .where('row.id = ANY(:ids) AND row.organization_id = :organizationId', { ids, organizationId })
      .getMany();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/**
 * Per-request DataLoaders, all scoped to the viewer's organization. Built anew
 * for every request and every subscription event: never cached across them.
 */
export function createLoaders(dataSource: DataSource, viewer: Viewer | null) {
  const organizationId = viewer?.organizationId ?? null;
  return {
    actor: createByIdLoader(dataSource, ActorEntity, organizationId),
    presentWithGuest: createPresentWithGuestLoader(dataSource, viewer),
    conversation: createByIdLoader(dataSource, ConversationEntity, organizationId),
    commentPage: createCommentPageLoader(dataSource, organizationId),
    messagePage: createMessagePageLoader(dataSource, organizationId),
    tasksByConversation: createTasksByConversationLoader(dataSource, organizationId),
    presence: createPresenceLoader(dataSource, organizationId),
    team: createByIdLoader(dataSource, TeamEntity, organizationId),
    teamMembers: createTeamMembersLoader(dataSource),
    guestConversations: createGuestConversationsLoader(dataSource, organizationId),
    guestAccesses: createGuestAccessesLoader(dataSource, organizationId),
    /** By id, whatever its conversation: only for what already decided the viewer may see it (the audit log). */
    attachment: createByIdLoader(dataSource, AttachmentEntity, organizationId),
    attachmentsByComment: createAttachmentsByCommentLoader(dataSource, viewer),
    attachmentsByMessage: createAttachmentsByMessageLoader(dataSource, viewer),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
