import type { DataSource } from 'typeorm';
import { createActorLoader, createPresentWithGuestLoader } from './actor/actor.loader';
import {
  createAttachmentsByCommentLoader,
  createAttachmentsByMessageLoader,
} from './attachment/attachment.loader';
import type { Viewer } from './auth/viewer';
import { createCommentPageLoader } from './comment/comment.loader';
import { createConversationLoader } from './conversation/conversation.loader';
import { createPresenceLoader } from './conversation/presence.loader';
import { createGuestConversationsLoader } from './guest/guest.loader';
import { createMessagePageLoader } from './message/message.loader';
import { createTasksByConversationLoader } from './task/task.loader';
import { createTeamLoader, createTeamMembersLoader } from './team/team.loader';

/**
 * Per-request DataLoaders, all scoped to the viewer's organization. Built anew
 * for every request and every subscription event: never cached across them.
 */
export function createLoaders(dataSource: DataSource, viewer: Viewer | null) {
  const organizationId = viewer?.organizationId ?? null;
  return {
    actor: createActorLoader(dataSource, viewer),
    presentWithGuest: createPresentWithGuestLoader(dataSource, viewer),
    conversation: createConversationLoader(dataSource, viewer),
    commentPage: createCommentPageLoader(dataSource, organizationId),
    messagePage: createMessagePageLoader(dataSource, organizationId),
    tasksByConversation: createTasksByConversationLoader(dataSource, organizationId),
    presence: createPresenceLoader(dataSource, organizationId),
    team: createTeamLoader(dataSource, organizationId),
    teamMembers: createTeamMembersLoader(dataSource),
    guestConversations: createGuestConversationsLoader(dataSource, organizationId),
    attachmentsByComment: createAttachmentsByCommentLoader(dataSource, viewer),
    attachmentsByMessage: createAttachmentsByMessageLoader(dataSource, viewer),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
