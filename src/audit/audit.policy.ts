import { isAdmin, type Viewer } from '../auth/viewer';

/** Who may read the audit log: owners and admins. Members and guests never; nobody may change it. */
export const auditPolicy = {
  canReadAuditLog(viewer: Viewer): boolean {
    return isAdmin(viewer);
  },
};
