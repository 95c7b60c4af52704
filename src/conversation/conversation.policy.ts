import { isGuest, isMember, liveAccess, type Viewer } from '../auth/viewer';
import type { ConversationEntity } from './conversation.entity';

/**
 * Who may do what with a conversation. Members read every conversation of
 * their organization; a guest reads a thread only while they have a live
 * access to it (not expired at `now`), and never a chat room.
 */
export const conversationPolicy = {
  canRead(viewer: Viewer, conversation: Pick<ConversationEntity, 'id' | 'organizationId' | 'kind'>, now = Date.now()): boolean {
    if (conversation.organizationId !== viewer.organizationId) return false;
    if (isMember(viewer)) return true;
    return isGuest(viewer) && conversation.kind === 'THREAD' && liveAccess(viewer, conversation.id, now) !== null;
  },

  /**
   * `canRead` as a condition for SQL: the conversations of the viewer's
   * organization they may read, as a list of ids for a guest (their live
   * accesses at `now`), or null for a member (every one). A query that applies
   * it answers "missing" and "not readable" with the same single statement.
   */
  readableIds(viewer: Viewer, now = Date.now()): string[] | null {
    return isMember(viewer) ? null : [...viewer.guestAccess.keys()].filter((id) => liveAccess(viewer, id, now) !== null);
  },

  /** Internal comments (and the uploads attached to them): members, and guests whose access is COMMENT, not READ. */
  canComment(viewer: Viewer, conversation: Pick<ConversationEntity, 'id' | 'organizationId' | 'kind'>, now = Date.now()): boolean {
    if (!this.canRead(viewer, conversation, now)) return false;
    return isMember(viewer) || liveAccess(viewer, conversation.id, now)?.level === 'COMMENT';
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
