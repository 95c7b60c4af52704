import { isMember } from '../auth/viewer';
import type { Scope } from '../scope';
import type { ActorEntity } from './actor.entity';

/**
 * Members see every actor of their organization. A guest sees themself and the
 * actors present in a conversation they can read (one batched query per request).
 */
export async function canSeeActor({ viewer, loaders }: Scope, actor: ActorEntity): Promise<boolean> {
  if (actor.organizationId !== viewer.organizationId) return false;
  if (isMember(viewer) || actor.id === viewer.actorId) return true;
  return loaders.presentWithGuest.load(actor.id);
}
