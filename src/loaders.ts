import type { DataSource } from 'typeorm';
import { createActorLoader } from './actor/actor.loader';
import type { Viewer } from './auth/viewer';
import { createConversationLoader } from './conversation/conversation.loader';

/**
 * Per-request DataLoaders, all scoped to the viewer's organization. Built anew
 * for every request and every subscription event: never cached across them.
 */
export function createLoaders(dataSource: DataSource, viewer: Viewer | null) {
  return {
    actor: createActorLoader(dataSource, viewer),
    conversation: createConversationLoader(dataSource, viewer),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
