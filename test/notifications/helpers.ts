import type { ActorEntity } from '../../src/actor/actor.entity';
import { actorGlobalId, conversationId } from '../support/api';
import type { Session } from '../support/factories';
import type { TestServer } from '../support/server';

/** What a client shows of a notification: what it is, who did it, what it points to. */
export const NOTIFICATION_FIELDS = `id reason createdAt readAt
  actor { __typename name }
  conversation { id subject }
  comment { id body author { name } }
  task { id title assignee { name } }`;

export const NOTIFICATIONS = `query ($first: Int, $after: String, $unreadOnly: Boolean) {
  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
    totalCount unreadCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ${NOTIFICATION_FIELDS} } }
  }
}`;

export const MARK_READ = `mutation ($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) }`;

export const NOTIFICATION_ADDED = `subscription ($after: String) { notificationAdded(after: $after) { ${NOTIFICATION_FIELDS} } }`;

const POST_COMMENT = `mutation ($input: PostCommentInput!) { postComment(input: $input) { id } }`;

/** Posts a comment through the API mentioning these actors; its global ID. */
export async function mention(server: TestServer, author: Session, conversation: string, mentioned: Pick<ActorEntity, 'id' | 'kind'>[], body = 'Have a look, please.'): Promise<string> {
  const response = await server.gql(POST_COMMENT, { input: { conversationId: conversationId(conversation), body, mentionIds: mentioned.map(actorGlobalId) } }, author.token);
  if (response.errors) throw new Error(`postComment failed: ${JSON.stringify(response.errors)}`);
  return response.data.postComment.id;
}

/** The viewer's notifications as the API lists them (first 100). */
export async function notificationsOf(server: TestServer, session: Session, variables: Record<string, unknown> = {}) {
  const response = await server.gql(NOTIFICATIONS, { first: 100, ...variables }, session.token);
  if (response.errors) throw new Error(`notifications failed: ${JSON.stringify(response.errors)}`);
  return response.data.notifications as {
    totalCount: number;
    unreadCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: Array<{ cursor: string; node: any }>;
  };
}
