import type { ActorKind, Role } from '../actor/actor.entity';

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
  /** For a guest: the conversations they have access to, as of this request. Empty for members. */
  readonly guestConversationIds: ReadonlySet<string>;
}

export const isGuest = (viewer: Viewer): boolean => viewer.kind === 'GUEST';
export const isMember = (viewer: Viewer): boolean => viewer.kind === 'MEMBER';
export const isAdmin = (viewer: Viewer): boolean => viewer.role === 'OWNER' || viewer.role === 'ADMIN';
