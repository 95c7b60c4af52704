import { isGuest, isMember, type Viewer } from '../auth/viewer';
import type { ConversationEntity } from './conversation.entity';

/**
 * Who may do what with a conversation. Members read every conversation of
 * their organization; a guest reads a thread only while they have access to
 * it, and never a chat room.
 */
export const conversationPolicy = {
  canRead(viewer: Viewer, conversation: Pick<ConversationEntity, 'id' | 'organizationId' | 'kind'>): boolean {
    if (conversation.organizationId !== viewer.organizationId) return false;
    if (isMember(viewer)) return true;
    return isGuest(viewer) && conversation.kind === 'THREAD' && viewer.guestConversationIds.has(conversation.id);
  },

  /**
   * `canRead` as a condition for SQL: the conversations of the viewer's
   * organization they may read, as a list of ids for a guest, or null for a
   * member (every one). A query that applies it answers "missing" and "not
   * readable" with the same single statement.
   */
  readableIds(viewer: Viewer): string[] | null {
    return isMember(viewer) ? null : [...viewer.guestConversationIds];
  },

  /** Internal comments: everyone who can read. */
  canComment(viewer: Viewer, conversation: Pick<ConversationEntity, 'id' | 'organizationId' | 'kind'>): boolean {
    return this.canRead(viewer, conversation);
  },

  /** External replies: members only, and only on threads. Guests never reply to the outside world. */
  canReply(viewer: Viewer, conversation: Pick<ConversationEntity, 'kind'>): boolean {
    return isMember(viewer) && conversation.kind === 'THREAD';
  },

  /** New threads and chat rooms: members only. */
  canCreate(viewer: Viewer): boolean {
    return isMember(viewer);
  },

  /** Recording inbound external messages (integrations and members). Guests never. */
  canRecordMessages(viewer: Viewer): boolean {
    return isMember(viewer);
  },

  /** Settings, tasks, assignees, labels: members only. */
  canManage(viewer: Viewer): boolean {
    return isMember(viewer);
  },
};
