import type { Context } from '../context';
import { isMember } from '../auth/viewer';
import type { ActorEntity } from './actor.entity';

/**
 * Members see every actor of their organization. A guest sees themself and the
 * actors present in a conversation they can read.
 */
export async function canSeeActor(context: Context, actor: ActorEntity): Promise<boolean> {
  const viewer = context.viewer;
  if (!viewer || actor.organizationId !== viewer.organizationId) return false;
  if (isMember(viewer) || actor.id === viewer.actorId) return true;
  return context.loaders.presentWithGuest.load(actor.id);
}
