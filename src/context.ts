import type { Viewer } from './auth/viewer';
import { createLoaders, type Loaders } from './loaders';
import type { Services } from './services';

/** One per HTTP request, or per websocket operation: who is asking, and what they may use. */
export interface Context {
  readonly services: Services;
  viewer: Viewer | null;
  loaders: Loaders;
  readonly requestId: string;
  /** The client address, for rate limits. */
  readonly ip: string | null;
}

export function createContext(
  services: Services,
  viewer: Viewer | null,
  fields: { requestId: string; ip: string | null },
): Context {
  return { services, viewer, loaders: createLoaders(services.deps.dataSource, viewer), ...fields };
}

/**
 * After signUp, logIn or acceptInvitation the rest of the operation runs as the
 * actor who just logged in, so `viewer { email }` in the payload resolves.
 */
export async function actAs(context: Context, token: string): Promise<void> {
  context.viewer = await context.services.sessions.authenticate(token);
  context.loaders = createLoaders(context.services.deps.dataSource, context.viewer);
}
