import { conversationId, ok, userId } from '../support/api';
import { buildComment, buildConversation, buildGuest, buildMember, buildMessage, buildOrganization, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const PAGE = `pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount edges { cursor node { id } }`;
const MESSAGES = `query ($id: ID!, $first: Int, $after: String) {
  conversation(id: $id) { messages(first: $first, after: $after) { ${PAGE} nodes { id body } } }
}`;
const COMMENTS = `query ($id: ID!, $first: Int, $after: String) {
  conversation(id: $id) { comments(first: $first, after: $after) { ${PAGE} nodes { id body } } }
}`;
const CONVERSATIONS = `query ($first: Int, $after: String) { conversations(first: $first, after: $after) { ${PAGE} nodes { id subject } } }`;

type Page = {
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
  edges: { cursor: string; node: { id: string } }[];
  nodes: { id: string; body?: string; subject?: string }[];
};

/** Checks a page is consistent with itself: edges and nodes agree, start and end cursors are the edges'. */
function checkPage(page: Page): Page {
  expect(page.edges.map((edge) => edge.node.id)).toEqual(page.nodes.map((node) => node.id));
  expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
  expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
  return page;
}

let owner: Session;
beforeAll(async () => {
  owner = await buildOrganization(server, { name: 'Olivia' });
});

const conversationPage = async (query: string, field: 'messages' | 'comments', id: string, variables: Record<string, unknown> = {}) =>
  checkPage(ok(await server.gql(query, { id, ...variables }, owner.token)).conversation[field]);

/** Every page, `first` at a time: what a client scrolling to the end sees. */
async function walk(fetch: (after: string | null) => Promise<Page>): Promise<{ labels: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await fetch(after);
    pages.push(page);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { labels: pages.flatMap((page) => page.nodes.map((node) => (node.body ?? node.subject)!)), pages };
}

describe.each([
  ['messages', MESSAGES, (member: Session, conversation: string, body: string) => buildMessage(server, { creator: member, conversationId: conversation, body })],
  ['comments', COMMENTS, (member: Session, conversation: string, body: string) => buildComment(server, { author: member, conversationId: conversation, body })],
] as const)('%s connection', (field, query, build) => {
  let id: string;
  let raw: string;
  const bodies = Array.from({ length: 45 }, (_, i) => `${field} ${String(i + 1).padStart(2, '0')}`);
  beforeAll(async () => {
    raw = (await buildConversation(server, { creator: owner })).id;
    id = conversationId(raw);
    for (const body of bodies) await build(owner, raw, body);
  });

  it('gives the first 20, oldest first, when first is left out', async () => {
    const page = await conversationPage(query, field, id);
    expect(page.nodes.map((node) => node.body)).toEqual(bodies.slice(0, 20));
    expect(page.totalCount).toBe(45);
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('walks every item exactly once, in order', async () => {
    const { labels, pages } = await walk((after) => conversationPage(query, field, id, { first: 7, after }));
    expect(labels).toEqual(bodies);
    expect(pages).toHaveLength(7);
    expect(pages.every((page) => page.totalCount === 45)).toBe(true);
    expect(pages.slice(1).every((page) => page.pageInfo.hasPreviousPage)).toBe(true);
    expect(pages.at(-1)!.nodes).toHaveLength(3);
  });

  it('takes up to 100 at once, and 0 gives only the count', async () => {
    const all = await conversationPage(query, field, id, { first: 100 });
    expect(all.nodes).toHaveLength(45);
    expect(all.pageInfo.hasNextPage).toBe(false);
    const none = await conversationPage(query, field, id, { first: 0 });
    expect(none).toMatchObject({ nodes: [], edges: [], totalCount: 45, pageInfo: { hasNextPage: true, startCursor: null, endCursor: null } });
  });

  it('gives an empty last page after the last cursor', async () => {
    const last = await conversationPage(query, field, id, { first: 100 });
    const after = await conversationPage(query, field, id, { after: last.pageInfo.endCursor });
    expect(after).toMatchObject({ nodes: [], totalCount: 45, pageInfo: { hasNextPage: false, hasPreviousPage: true } });
  });

  it.each([
    ['first: 101', { first: 101 }],
    ['a negative first', { first: -1 }],
    ['a malformed after', { after: 'not-a-cursor' }],
    ['an after that is a global ID', { after: conversationId('00000000-0000-4000-8000-000000000000') }],
    ['an after beyond any sequence', { after: Buffer.from('c:9999999999999999999').toString('base64url') }],
  ])('refuses %s with BAD_USER_INPUT', async (_label, variables) => {
    const response = await server.gql(query, { id, ...variables }, owner.token);
    expect(response.data).toEqual({ conversation: null });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('keeps cursors stable when items arrive between two pages', async () => {
    const ownRaw = (await buildConversation(server, { creator: owner })).id;
    const own = conversationId(ownRaw);
    for (const body of ['a', 'b', 'c', 'd', 'e']) await build(owner, ownRaw, body);
    const first = await conversationPage(query, field, own, { first: 2 });
    expect(first.nodes.map((node) => node.body)).toEqual(['a', 'b']);
    await build(owner, ownRaw, 'f');
    await build(owner, ownRaw, 'g');
    const second = await conversationPage(query, field, own, { first: 2, after: first.pageInfo.endCursor });
    expect(second.nodes.map((node) => node.body)).toEqual(['c', 'd']);
    expect(second.totalCount).toBe(7);
    const rest = await walk((after) => conversationPage(query, field, own, { first: 2, after: after ?? second.pageInfo.endCursor }));
    expect(rest.labels).toEqual(['e', 'f', 'g']);
  });
});

describe('conversations connection', () => {
  let viewer: Session;
  let subjects: string[];
  beforeAll(async () => {
    viewer = await buildOrganization(server);
    subjects = Array.from({ length: 27 }, (_, i) => `conversation ${String(i + 1).padStart(2, '0')}`);
    for (const subject of subjects) await buildConversation(server, { creator: viewer, subject });
  });
  const page = async (variables: Record<string, unknown>) => checkPage(ok(await server.gql(CONVERSATIONS, variables, viewer.token)).conversations);

  it('gives the 20 newest first when first is left out', async () => {
    const first = await page({});
    expect(first.nodes.map((node) => node.subject)).toEqual([...subjects].reverse().slice(0, 20));
    expect(first).toMatchObject({ totalCount: 27, pageInfo: { hasNextPage: true, hasPreviousPage: false } });
  });

  it('walks every conversation exactly once, newest first', async () => {
    const { labels, pages } = await walk((after) => page({ first: 10, after }));
    expect(labels).toEqual([...subjects].reverse());
    expect(pages.map((p) => p.nodes.length)).toEqual([10, 10, 7]);
  });

  it('keeps cursors stable when conversations are created between two pages', async () => {
    const first = await page({ first: 5 });
    await buildConversation(server, { creator: viewer, subject: 'newer' });
    const second = await page({ first: 5, after: first.pageInfo.endCursor });
    expect(second.nodes.map((node) => node.subject)).toEqual([...subjects].reverse().slice(5, 10));
    expect(second.totalCount).toBe(28);
    await server.app.database.dataSource.query(`DELETE FROM conversations WHERE subject = 'newer' AND organization_id = $1`, [viewer.viewer.organizationId]);
  });

  it.each([
    ['first: 101', { first: 101 }],
    ['a negative first', { first: -5 }],
    ['a malformed after', { after: '!!!' }],
    ['an after beyond any sequence', { after: Buffer.from('c:9223372036854775808').toString('base64url') }],
  ])('refuses %s with BAD_USER_INPUT', async (_label, variables) => {
    const response = await server.gql(CONVERSATIONS, variables, viewer.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses a first that is not an integer', async () => {
    const response = await server.gql(CONVERSATIONS, { first: 'ten' }, viewer.token);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it("never lists another organization's conversations, and lists a guest's only", async () => {
    const stranger = await buildOrganization(server);
    const theirs = await buildConversation(server, { creator: stranger, subject: 'theirs' });
    const { labels } = await walk((after) => page({ first: 100, after }));
    expect(labels).not.toContain('theirs');
    const guest = await buildGuest(server, { inviter: stranger, conversationIds: [theirs.id] });
    const asGuest = ok(await server.gql(CONVERSATIONS, {}, guest.token)).conversations;
    expect(asGuest).toMatchObject({ totalCount: 1, nodes: [{ subject: 'theirs' }] });
  });
});

describe('participants', () => {
  it('lists members and guests in order of arrival, each once', async () => {
    const olivia = await buildOrganization(server, { name: 'Olivia' });
    const [ann, bob, cat, dan] = await Promise.all(['Ann', 'Bob', 'Cat', 'Dan'].map((name) => buildMember(server, { inviter: olivia, name })));
    const raw = (await buildConversation(server, { creator: olivia })).id;
    const id = conversationId(raw);
    await buildComment(server, { author: dan!, conversationId: raw });
    ok(await server.gql(`mutation ($input: UpdateConversationInput!) { updateConversation(input: $input) { id } }`, { input: { id, assigneeIds: [userId(bob!.actor)] } }, olivia.token));
    await buildGuest(server, { inviter: olivia, conversationIds: [raw], name: 'Gus' });
    await buildComment(server, { author: olivia, conversationId: raw, mentions: [ann!.actor, dan!.actor] });
    await buildMessage(server, { creator: olivia, conversationId: raw });
    ok(await server.gql(`mutation ($id: ID!) { replyToConversation(input: { conversationId: $id, body: "Hi" }) { id } }`, { id }, cat!.token));
    await buildComment(server, { author: dan!, conversationId: raw });
    const read = ok(await server.gql(`query ($id: ID!) { conversation(id: $id) { participants { __typename name } } }`, { id }, olivia.token));
    expect(read.conversation.participants).toEqual([
      { __typename: 'User', name: 'Olivia' },
      { __typename: 'User', name: 'Dan' },
      { __typename: 'User', name: 'Bob' },
      { __typename: 'Guest', name: 'Gus' },
      { __typename: 'User', name: 'Ann' },
      { __typename: 'User', name: 'Cat' },
    ]);
  });
});
