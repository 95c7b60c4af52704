import { isAdmin, isGuest, isMember, type Viewer } from '../auth/viewer';
import type { ConversationEntity } from '../conversation/conversation.entity';

/**
 * Who may manage guests. Guests themselves never may; owners and admins
 * always may; members may while the organization's `whoCanInvite` is MEMBERS
 * (the default).
 */
export const guestPolicy = {
  /** Inviting, adding, removing and revoking guests. */
  canManage(viewer: Viewer): boolean {
    return isMember(viewer) && (isAdmin(viewer) || viewer.whoCanInvite === 'MEMBERS');
  },

  /** What `viewerCanInviteGuests` shows: allowed, guests enabled, and a thread that takes guests (never a chat room). */
  canInvite(viewer: Viewer, conversation: Pick<ConversationEntity, 'kind' | 'allowGuests'>): boolean {
    return this.canManage(viewer) && viewer.guestsEnabled && conversation.kind === 'THREAD' && conversation.allowGuests;
  },

  /** Leaving a conversation: a guest ends their own access; members have none to end. */
  canLeave(viewer: Viewer): boolean {
    return isGuest(viewer);
  },

  /** Reading Settings > Guests (settings and usage): every member; guests never. */
  canSeeSettings(viewer: Viewer): boolean {
    return isMember(viewer);
  },

  /**
   * Whose every access a viewer may know of (`Guest.conversations`, the full
   * `conversationCount`): members, and the guest themself. Another guest
   * learns only of the conversations they share.
   */
  canSeeAccessesOf(viewer: Viewer, guest: { id: string }): boolean {
    return isMember(viewer) || guest.id === viewer.actorId;
  },

  /** Guest settings: owners and admins. */
  canChangeSettings(viewer: Viewer): boolean {
    return isAdmin(viewer);
  },
};
