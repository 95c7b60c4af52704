import type { Viewer } from './auth/viewer';
import type { Loaders } from './loaders';

/**
 * What a read on someone's behalf needs besides its arguments: who is asking
 * and the batch loaders of their request (or subscription event). Services and
 * policies take this, never the GraphQL context.
 */
export interface Scope {
  readonly viewer: Viewer;
  readonly loaders: Loaders;
}
