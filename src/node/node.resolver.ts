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

/** The object if the viewer may read its conversation, else null. */
async function inReadableConversation<T extends { conversationId: string }>(context: Context, scope: Scope, entity: T | null): Promise<T | null> {
  if (!entity) return null;
  const conversation = await context.services.conversations.findReadable(scope, entity.conversationId).catch(() => null);
  return conversation ? entity : null;
}

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
  Comment: async (context, scope, id) => inReadableConversation(context, scope, await context.services.comments.findLoaded(scope.viewer.organizationId, id)),
  Message: async (context, scope, id) => inReadableConversation(context, scope, await context.services.messages.findLoaded(scope.viewer.organizationId, id)),
  Task: async (context, scope, id) => inReadableConversation(context, scope, await context.services.tasks.findLoaded(scope.viewer.organizationId, id)),
  Team: async (_context, { viewer, loaders }, id) => (isMember(viewer) ? loaders.team.load(id) : null),
  Attachment: ({ services }, { viewer }, id) => services.attachments.findVisible(viewer, id),
  AuditEvent: ({ services }, { viewer }, id) => services.audit.find(viewer, id),
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
