import { isAdmin, type Viewer } from '../auth/viewer';

/** Teams are an organization's structure: owners and admins shape them; members read them; guests never see them. */
export const teamPolicy = {
  /** Creating teams and adding members to them. */
  canManage(viewer: Viewer): boolean {
    return isAdmin(viewer);
  },
};
