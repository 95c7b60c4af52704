import type { Viewer } from '../../src/auth/viewer';

/** A viewer that exists only in memory: for unit tests of rules that read its kind and role, never the database. */
export const detachedViewer = (kind: Viewer['kind']): Viewer => ({
  actorId: '00000000-0000-4000-8000-000000000001',
  organizationId: '00000000-0000-4000-8000-000000000002',
  kind,
  role: kind === 'MEMBER' ? 'MEMBER' : null,
  sessionId: '00000000-0000-4000-8000-000000000003',
  guestsEnabled: true,
  whoCanInvite: 'MEMBERS',
  guestAccess: new Map(),
});
