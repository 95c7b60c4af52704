import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { ActorEntity, ActorKind } from '../actor/actor.entity';
import { canSeeActor } from '../actor/actor.policy';
import { isMember } from '../auth/viewer';
import { scopeOf, type Context } from '../context';
import { notFound } from '../errors';
import { parseGlobalId, type NodeType } from '../ids';
import type { Scope } from '../scope';
import { Node } from './node.type';

/** How `node(id)` finds each type for a viewer: null when missing or invisible, alike. */
type NodeFinder = (context: Context, scope: Scope, id: string) => Promise<object | null>;

async function visibleActor(scope: Scope, id: string, kind: ActorKind): Promise<ActorEntity | null> {
  const actor = await scope.loaders.actor.load(id);
  return actor && actor.kind === kind && (await canSeeActor(scope, actor)) ? actor : null;
}

const finders: Record<NodeType, NodeFinder> = {
  Organization: async ({ services }, { viewer }, id) => (id === viewer.organizationId ? services.organizations.ofViewer(viewer) : null),
  GuestSettings: async ({ services }, { viewer }, id) => (id === viewer.organizationId ? services.guests.settingsOf(viewer) : null),
  GuestUsage: async ({ services }, { viewer }, id) => (id === viewer.organizationId ? services.guests.usageOf(viewer) : null),
  User: async (_context, scope, id) => visibleActor(scope, id, 'MEMBER'),
  Guest: async (_context, scope, id) => visibleActor(scope, id, 'GUEST'),
  Conversation: ({ services }, scope, id) => services.conversations.findReadable(scope, id).catch(() => null),
  // One statement each, readable or not, existing or not: the answers cannot be told apart by their timing.
  Comment: ({ services }, { viewer }, id) => services.comments.findLoaded(viewer, id),
  Message: ({ services }, { viewer }, id) => services.messages.findLoaded(viewer, id),
  Task: ({ services }, { viewer }, id) => services.tasks.findLoaded(viewer, id),
  Team: async (_context, { viewer, loaders }, id) => (isMember(viewer) ? loaders.team.load(id) : null),
  Attachment: ({ services }, { viewer }, id) => services.attachments.findVisible(viewer, id),
  AuditEvent: ({ services }, { viewer }, id) => services.audit.find(viewer, id),
  Notification: ({ services }, { viewer }, id) => services.notifications.find(viewer, id),
};

@Resolver()
export class NodeResolver {
  @Authorized()
  @Query(() => Node, { nullable: true, description: 'Anything the viewer may see, by its global ID; NOT_FOUND for anything else, seen or not.' })
  async node(@Arg('id', () => ID, { description: 'Any global ID this API gave out.' }) id: string, @Ctx() context: Context): Promise<object> {
    const parsed = parseGlobalId(id);
    const found = parsed ? await finders[parsed.type]?.(context, scopeOf(context), parsed.id) : null;
    if (!found) throw notFound();
    return found;
  }
}
