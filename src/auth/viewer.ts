import type { ActorKind, Role } from '../actor/actor.entity';
import type { GuestAccessLevel } from '../guest/guest-access.entity';

/** A guest's access to one conversation as a viewer carries it: small, since every idle subscription holds a viewer. */
export interface ViewerAccess {
  readonly level: GuestAccessLevel;
  /** Milliseconds since the epoch; null: until someone removes it. */
  readonly expiresAt: number | null;
}

/** Who is asking: resolved once per request (or websocket connection) from the session token. */
export interface Viewer {
  readonly actorId: string;
  readonly organizationId: string;
  readonly kind: ActorKind;
  /** Null for guests. */
  readonly role: Role | null;
  readonly sessionId: string;
  /** The organization's guest settings, as of this request. */
  readonly guestsEnabled: boolean;
  readonly whoCanInvite: 'ADMINS' | 'MEMBERS';
  /** For a guest: their live access per conversation id, as of this request. Empty for members. */
  readonly guestAccess: ReadonlyMap<string, ViewerAccess>;
}

export const isGuest = (viewer: Viewer): boolean => viewer.kind === 'GUEST';
export const isMember = (viewer: Viewer): boolean => viewer.kind === 'MEMBER';
export const isAdmin = (viewer: Viewer): boolean => viewer.role === 'OWNER' || viewer.role === 'ADMIN';

/**
 * The guest's access to a conversation if it is still live at `now`: expiry
 * is exact even for a viewer read a while ago (a subscriber's, refreshed only
 * at re-authorization).
 */
export function liveAccess(viewer: Viewer, conversationId: string, now = Date.now()): ViewerAccess | null {
  const access = viewer.guestAccess.get(conversationId);
  return access && (access.expiresAt === null || access.expiresAt > now) ? access : null;
}
