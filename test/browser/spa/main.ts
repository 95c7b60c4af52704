import { CombinedGraphQLErrors, type ObservableQuery } from '@apollo/client';
import { COMMENT_ADDED, CONVERSATION, LOG_IN, POST_COMMENT, START, type CommentEdge, type ConversationData, type ConversationVariables } from './operations';
import { createSidedoorClient } from './sidedoor-client';

/**
 * A small chat view on Sidedoor, built from the README's recipe: log in,
 * show the newest comments of a conversation, page back with last/before,
 * receive new comments live, resume after a dropped socket from the last
 * comment seen (deduplicated by id), and show what a guest may not see.
 * Plain DOM, so it needs nothing but Apollo Client and graphql-ws.
 *
 * The API's origin comes from `?api=http://host:port`. Elements carry
 * `data-testid`s for the browser test.
 */

const PAGE_SIZE = 5;
const api = new URL(new URLSearchParams(location.search).get('api') ?? location.origin);
let token: string | null = null;
const { client, ws } = createSidedoorClient({
  httpUrl: new URL('/graphql', api).toString(),
  wsUrl: new URL('/graphql', api.toString().replace(/^http/, 'ws')).toString(),
  token: () => token,
});

const byTestId = <T extends HTMLElement>(id: string) => document.querySelector<T>(`[data-testid="${id}"]`)!;
const element = <K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string>, text = '') => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.textContent = text;
  return node;
};

/** What the browser test reads and does besides clicking: the socket's state, and a way to drop it. */
const status = { connections: 0, liveEvents: 0 };
declare global {
  interface Window {
    spa: { status: typeof status; dropSocket(): void };
  }
}
window.spa = {
  status,
  // graphql-ws closes the socket with 4499 and reconnects, as after a network drop.
  dropSocket: () => ws.terminate(),
};
ws.on('connected', () => {
  status.connections += 1;
  byTestId('socket').textContent = `connected (${status.connections})`;
});
ws.on('closed', () => {
  byTestId('socket').textContent = 'reconnecting';
});

byTestId<HTMLFormElement>('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  const { data, error } = await client.mutate({ mutation: LOG_IN, variables: { email: String(form.get('email')), password: String(form.get('password')) } });
  if (!data) {
    byTestId('error').textContent = error?.message ?? 'log-in failed';
    return;
  }
  token = data.logIn.token;
  await start();
});

async function start(): Promise<void> {
  const { data } = await client.query({ query: START });
  if (!data) throw new Error('no data');
  byTestId('viewer').textContent = `${data.viewer.name}${data.viewer.isGuest ? ' (guest)' : ''}`;
  const wanted = new URLSearchParams(location.search).get('conversation');
  const conversation = data.conversations.nodes.find((node) => node.id === wanted) ?? data.conversations.nodes[0];
  if (conversation) showConversation(conversation.id, !data.viewer.isGuest);
}

function showConversation(id: string, isMember: boolean): void {
  // errorPolicy 'all': a guest's response has `labels: null` plus a FORBIDDEN error at that path;
  // the default policy would throw the whole readable response away.
  const query = client.watchQuery({ query: CONVERSATION, variables: { id, isMember, last: PAGE_SIZE }, errorPolicy: 'all' });
  query.subscribe((result) => render(result.data as ConversationData | undefined, result.error));
  byTestId<HTMLButtonElement>('older').addEventListener('click', () => olderComments(query));
  byTestId<HTMLFormElement>('post').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem('body') as HTMLInputElement;
    await client.mutate({ mutation: POST_COMMENT, variables: { id, body: input.value } });
    input.value = '';
  });
  followLiveComments(query, id);
}

function olderComments(query: ObservableQuery<ConversationData, ConversationVariables>): void {
  const before = query.getCurrentResult().data?.conversation?.comments?.pageInfo?.startCursor;
  // fetchMore does not inherit the query's errorPolicy (it defaults to 'none'): without 'all' a guest's page would be thrown away.
  if (before) void query.fetchMore({ variables: { last: PAGE_SIZE, before }, errorPolicy: 'all' });
}

/**
 * Live comments, resumed from the last one seen. graphql-ws resubscribes by
 * itself after a dropped socket, but with the variables it started with, so
 * it would replay everything since the first `after`: on every reconnection
 * the subscription is restarted from the newest cursor seen, and whatever
 * arrives twice anyway (a comment in flight during the switch) is dropped by id.
 */
function followLiveComments(query: ObservableQuery<ConversationData, ConversationVariables>, id: string): void {
  const newestCursor = () => query.getCurrentResult().data?.conversation?.comments?.edges?.at(-1)?.cursor ?? null;
  let last: string | null = null;
  const subscribe = () =>
    query.subscribeToMore({
      document: COMMENT_ADDED,
      variables: { id, after: last ?? newestCursor() },
      updateQuery: (_unsafe, { previousData, complete, subscriptionData }) => {
        const comment = subscriptionData.data.commentAdded;
        last = comment.cursor;
        status.liveEvents += 1;
        const conversation = complete ? previousData.conversation : null;
        if (!conversation || conversation.comments.edges.some((edge) => edge.node.id === comment.id)) return undefined;
        const edge: CommentEdge = { __typename: 'CommentEdge', cursor: comment.cursor, node: comment };
        return {
          conversation: {
            ...conversation,
            comments: {
              ...conversation.comments,
              totalCount: conversation.comments.totalCount + 1,
              edges: [...conversation.comments.edges, edge],
              pageInfo: { ...conversation.comments.pageInfo, endCursor: comment.cursor },
            },
          },
        };
      },
    });
  let stop = subscribe();
  ws.on('connected', (_socket, _payload, wasRetry) => {
    if (!wasRetry) return;
    stop();
    stop = subscribe();
  });
}

/**
 * Paths the server refused this viewer (FORBIDDEN). Results read back from the
 * cache (after a live comment, a page fetched) carry no errors, so what was
 * refused once is remembered: it stays refused for this viewer.
 */
const refused = new Set<string>();

function render(data: ConversationData | undefined, error: unknown): void {
  const conversation = data?.conversation;
  if (!conversation) return;
  byTestId('subject').textContent = conversation.subject ?? '(no subject)';
  if (CombinedGraphQLErrors.is(error)) {
    for (const entry of error.errors) if (entry.extensions?.code === 'FORBIDDEN') refused.add((entry.path ?? []).join('.'));
  }
  byTestId('labels').textContent =
    conversation.labels !== null ? conversation.labels.join(', ') || '(none)' : refused.has('conversation.labels') ? 'members only (FORBIDDEN)' : '(unknown)';
  byTestId('assignees').textContent = conversation.assignees ? conversation.assignees.map((user) => user.name).join(', ') || '(none)' : 'not asked (guest)';
  const list = byTestId('comments');
  list.replaceChildren(
    ...conversation.comments.edges.map(({ node }) =>
      element('li', { 'data-id': node.id, 'data-cursor': node.cursor }, `${node.author?.name ?? '??'}: ${node.body}`),
    ),
  );
  byTestId('count').textContent = `${conversation.comments.edges.length} of ${conversation.comments.totalCount}`;
  byTestId<HTMLButtonElement>('older').disabled = !conversation.comments.pageInfo.hasPreviousPage;
  byTestId<HTMLFormElement>('post').hidden = !conversation.viewerCanComment;
}
