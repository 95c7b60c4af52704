import type { Role } from '../actor/actor.entity';
import { isAdmin, type Viewer } from '../auth/viewer';

/**
 * Who may bring people into the organization as members. Owners and admins
 * invite members and admins; only an owner may make another owner. Guests are
 * invited through the guest policy, never here.
 */
export const invitationPolicy = {
  canInviteMember(viewer: Viewer, role: Role): boolean {
    return isAdmin(viewer) && (role !== 'OWNER' || viewer.role === 'OWNER');
  },
};
