import { conversationId, guestId } from '../support/api';
import { buildConversation, buildGuest, type Session } from '../support/factories';
import type { TestServer } from '../support/server';
import { PROMPTLY_MS, within } from '../support/websocket';

/** What the real-time tests select: a members-only field included, to see it gated per subscriber. */
export const COMMENT_ADDED = `subscription ($id: ID!, $after: String) {
  commentAdded(conversationId: $id, after: $after) {
    id body
    author { name isGuest }
    conversation { subject assignees { name } }
  }
}`;

const POST_COMMENT = `mutation ($input: PostCommentInput!) { postComment(input: $input) { id } }`;

export interface TestConversation {
  /** The database id. */
  uuid: string;
  /** The global ID clients use. */
  id: string;
}

export async function conversationOf(server: TestServer, member: Session, subject = 'Quote for the new office'): Promise<TestConversation> {
  const conversation = await buildConversation(server, { creator: member, subject });
  return { uuid: conversation.id, id: conversationId(conversation.id) };
}

/** A guest invited into the conversation, who accepted: their token and global ID. */
export async function guestIn(server: TestServer, member: Session, conversation: TestConversation, name = 'Gail Guest') {
  const guest = await buildGuest(server, { inviter: member, conversationIds: [conversation.uuid], name });
  return { token: guest.token, id: guestId(guest.actor) };
}

/** Posts a comment through the API and returns its global ID. */
export async function postComment(server: TestServer, token: string, conversation: TestConversation, body: string): Promise<string> {
  const response = await server.gql(POST_COMMENT, { input: { conversationId: conversation.id, body } }, token);
  if (response.errors) throw new Error(`postComment failed: ${JSON.stringify(response.errors)}`);
  return response.data.postComment.id;
}

/** Every comment of the conversation, oldest first, with its cursor. */
export async function commentsOf(server: TestServer, token: string, conversation: TestConversation): Promise<Array<{ cursor: string; id: string }>> {
  const response = await server.gql(
    `query ($id: ID!) { conversation(id: $id) { comments(first: 100) { edges { cursor node { id } } } } }`,
    { id: conversation.id },
    token,
  );
  if (response.errors) throw new Error(`comments failed: ${JSON.stringify(response.errors)}`);
  return response.data.conversation.comments.edges.map((edge: any) => ({ cursor: edge.cursor, id: edge.node.id }));
}

/**
 * Waits until `server` serves `count` live subscriptions of the conversation.
 * A subscription without `after` starts from the moment it is live, so a test
 * posts only after this to know the comment is one the subscriber must get.
 */
export async function untilLive(server: TestServer, conversation: TestConversation, count = 1): Promise<void> {
  const live = async () => {
    while (server.app.services.realtime.liveSubscriptions(conversation.uuid) < count) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  await within(live(), PROMPTLY_MS, `${count} live subscriptions`);
}

/** Polls until `check` holds. */
export async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const poll = async () => {
    while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  await within(poll(), PROMPTLY_MS, what);
}
