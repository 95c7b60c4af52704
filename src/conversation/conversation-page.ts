import type DataLoader from 'dataloader';
import { getArgumentValues, getNamedType, type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
// Not re-exported by graphql's index in v16, but a public module of the package (the one execute uses).
import { collectSubfields } from 'graphql/execution/collectFields';
import { isGuest, isMember } from '../auth/viewer';
import type { LoadedComment } from '../comment/comment.loader';
import type { LoadedMessage } from '../message/message.loader';
import { type Connection, type CursorCodec, type Page, pageArgs, type PageRequest, toConnection } from '../pagination';
import type { Scope } from '../scope';

/** The page loader of one list: `createConversationPageLoader`'s. */
type PageLoader<T> = Scope['loaders']['commentPage'] extends DataLoader<infer K, unknown, infer C> ? DataLoader<K, Page<T>, C> : never;

async function loadPage<T extends { seq: string }>(loader: PageLoader<T>, codec: CursorCodec, list: 'messages' | 'comments', conversationId: string, request: PageRequest): Promise<Connection<T>> {
  const cursors = codec.of(list, conversationId);
  const args = pageArgs(request, cursors);
  return toConnection(await loader.load({ parentId: conversationId, args }), args, cursors);
}

/** One page of a conversation's messages, as `Conversation.messages` returns it. */
export const loadMessagePage = ({ loaders }: Pick<Scope, 'loaders'>, codec: CursorCodec, conversationId: string, request: PageRequest): Promise<Connection<LoadedMessage>> =>
  loadPage(loaders.messagePage, codec, 'messages', conversationId, request);

/** One page of a conversation's comments, as `Conversation.comments` returns it. */
export const loadCommentPage = ({ loaders }: Pick<Scope, 'loaders'>, codec: CursorCodec, conversationId: string, request: PageRequest): Promise<Connection<LoadedComment>> =>
  loadPage(loaders.commentPage, codec, 'comments', conversationId, request);

const ignore = () => undefined;

/**
 * Starts what the selected fields of `conversation(id)` will load, in the
 * same tick as the conversation itself, so the page (its people, tasks,
 * team, messages and comments) goes out in the conversation's statement
 * instead of one round trip later. The field resolvers then find their loads
 * in the loaders' caches; they, not this, report errors (a bad cursor here
 * is simply not prefetched). Only for a viewer who may be able to read the
 * conversation: a guest without access to it gets nothing started, so a
 * missing conversation and a forbidden one cost the same.
 */
export function prefetchConversationPage(scope: Scope, codec: CursorCodec, conversationId: string, info: GraphQLResolveInfo): void {
  const { viewer, loaders } = scope;
  if (isGuest(viewer) && !viewer.guestAccess.has(conversationId)) return;
  const type = getNamedType(info.returnType) as GraphQLObjectType;
  const fields = collectSubfields(info.schema, info.fragments, info.variableValues, type, info.fieldNodes);
  for (const [, nodes] of fields) {
    const node = nodes[0];
    const name = node.name.value;
    switch (name) {
      case 'participants':
      case 'guests':
      case 'assignees':
        loaders.presence.load(conversationId).catch(ignore);
        break;
      case 'tasks':
        loaders.tasksByConversation.load(conversationId).catch(ignore);
        break;
      case 'team':
        if (isMember(viewer)) loaders.teamOfConversation.load(conversationId).catch(ignore);
        break;
      case 'viewerGuestAccess':
        if (isGuest(viewer)) loaders.guestAccesses.load(viewer.actorId).catch(ignore);
        break;
      case 'messages':
      case 'comments':
        try {
          const request = getArgumentValues(type.getFields()[name], node, info.variableValues) as PageRequest;
          (name === 'messages' ? loadMessagePage : loadCommentPage)(scope, codec, conversationId, request).catch(ignore);
        } catch {
          // Arguments the resolver will refuse with the right error.
        }
        break;
    }
  }
}
