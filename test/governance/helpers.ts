import { toGlobalId } from '../../src/ids';
import { buildConversation, invitationToken, PASSWORD, uniqueEmail, type Session } from '../support/factories';
import type { GraphQLResponse, TestServer } from '../support/server';

export const INVITE_GUEST = `mutation ($input: InviteGuestInput!) {
  inviteGuest(input: $input) { invitationUrl guest { id accesses { level expiresAt conversation { id } } } }
}`;
export const ACCEPT = `mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token } }`;
export const UPDATE_ACCESS = `mutation ($input: UpdateGuestAccessInput!) {
  updateGuestAccess(input: $input) { level expiresAt grantedAt grantedBy { id } conversation { id } }
}`;
export const POST_COMMENT = `mutation ($input: PostCommentInput!) { postComment(input: $input) { id body } }`;
export const LEAVE = `mutation ($id: ID!) { leaveConversation(conversationId: $id) }`;
export const AUDIT_EVENTS = `query ($first: Int, $after: String, $filter: AuditEventFilter) {
  organization {
    auditEvents(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
      nodes {
        id action ip userAgent occurredAt
        actor { __typename id }
        subject { __typename id }
        conversation { id }
        attachment { id filename }
      }
    }
  }
}`;

export interface AuditNode {
  id: string;
  action: string;
  ip: string | null;
  userAgent: string | null;
  occurredAt: string;
  actor: { __typename: string; id: string } | null;
  subject: { __typename: string; id: string } | null;
  conversation: { id: string } | null;
  attachment: { id: string; filename: string } | null;
}

/** A conversation as the tests use it: the database id and the global ID. */
export interface TestThread {
  uuid: string;
  id: string;
}

export async function threadOf(server: TestServer, member: Session, subject = 'Lease renewal'): Promise<TestThread> {
  const conversation = await buildConversation(server, { creator: member, subject });
  return { uuid: conversation.id, id: toGlobalId('Conversation', conversation.id) };
}

/** POSTs an operation with extra headers (a user agent, X-Forwarded-For), as a client behind a proxy would. */
export async function gqlWith(
  server: TestServer,
  query: string,
  variables: Record<string, unknown>,
  token: string | null,
  headers: Record<string, string>,
): Promise<GraphQLResponse> {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** A guest invited through the API with a level and an end, who accepted: token, global ID and database id. */
export async function guestWith(
  server: TestServer,
  inviter: Session,
  thread: TestThread,
  terms: { level?: 'COMMENT' | 'READ'; expiresAt?: Date } = {},
): Promise<{ token: string; id: string; uuid: string; email: string }> {
  const email = uniqueEmail('guest');
  const invited = await server.gql(
    INVITE_GUEST,
    { input: { conversationId: thread.id, email, ...(terms.level ? { level: terms.level } : {}), ...(terms.expiresAt ? { expiresAt: terms.expiresAt.toISOString() } : {}) } },
    inviter.token,
  );
  if (invited.errors) throw new Error(`inviteGuest failed: ${JSON.stringify(invited.errors)}`);
  const accepted = await server.gql(ACCEPT, {
    input: { token: invitationToken(invited.data.inviteGuest.invitationUrl), name: 'Gwen Guest', password: PASSWORD },
  });
  if (accepted.errors) throw new Error(`acceptInvitation failed: ${JSON.stringify(accepted.errors)}`);
  const id: string = invited.data.inviteGuest.guest.id;
  return { token: accepted.data.acceptInvitation.token, id, uuid: uuidOf(id), email };
}

/** The database id behind a global ID. */
export const uuidOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;

/** Every audit event of the viewer's organization matching a filter, newest first (one page of 100). */
export async function auditEvents(server: TestServer, token: string, filter: Record<string, unknown> = {}): Promise<AuditNode[]> {
  const response = await server.gql(AUDIT_EVENTS, { first: 100, filter }, token);
  if (response.errors) throw new Error(`auditEvents failed: ${JSON.stringify(response.errors)}`);
  return response.data.organization.auditEvents.nodes;
}

/** Rows of the audit table itself, bypassing the API (and its settling of expired accesses). */
export function auditRows(server: TestServer, organizationId: string, action?: string): Promise<Record<string, any>[]> {
  return server.app.database.dataSource.query(
    `SELECT * FROM audit_events WHERE organization_id = $1 AND ($2::text IS NULL OR action = $2) ORDER BY occurred_at, id`,
    [organizationId, action ?? null],
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
