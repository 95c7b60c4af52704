import { buildGuest, buildComment, buildConversation, buildMessage, buildOrganization, type Session } from '../support/factories';
import { conversationId, ok } from '../support/api';
import { codes, startServer, type TestServer } from '../support/server';

let server: TestServer;
let owner: Session;
beforeAll(async () => {
  server = await startServer();
  owner = await buildOrganization(server, { name: 'Olivia' });
});
afterAll(() => server?.stop());

const PAGE = `totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id body cursor } }`;
const queryOf = (field: 'messages' | 'comments') => `query ($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  conversation(id: $id) { ${field}(first: $first, after: $after, last: $last, before: $before) { ${PAGE} } }
}`;

type Page = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: { cursor: string; node: { id: string; body: string; cursor: string } }[];
};

/**
 * Whether bytes read as plain text, as a readable cursor would ("comments:42"):
 * a sealed one is 16 bytes of cipher text, printable by chance once in 10^7.
 * (Looking for the digits of a small sequence in random bytes fails by chance.)
 */
const isPrintableText = (bytes: Buffer) => /^[\x20-\x7e]*$/.test(bytes.toString('latin1'));

const bodiesOf = (page: Page) => page.edges.map((edge) => edge.node.body);

describe.each([
  ['messages', (member: Session, conversation: string, body: string) => buildMessage(server, { creator: member, conversationId: conversation, body })],
  ['comments', (member: Session, conversation: string, body: string) => buildComment(server, { author: member, conversationId: conversation, body })],
] as const)('%s connection, backwards and cursors', (field, build) => {
  const query = queryOf(field);
  let raw: string;
  let id: string;
  const bodies = Array.from({ length: 23 }, (_, i) => `${field} ${String(i + 1).padStart(2, '0')}`);
  beforeAll(async () => {
    raw = (await buildConversation(server, { creator: owner })).id;
    id = conversationId(raw);
    for (const body of bodies) await build(owner, raw, body);
  });

  const page = async (variables: Record<string, unknown>, conversation = id, token = owner.token): Promise<Page> => {
    const result: Page = ok(await server.gql(query, { id: conversation, ...variables }, token)).conversation[field];
    // Each node's own cursor is its edge's, and the page's start and end cursors are its edges'.
    for (const edge of result.edges) expect(edge.node.cursor).toBe(edge.cursor);
    expect(result.pageInfo.startCursor).toBe(result.edges[0]?.cursor ?? null);
    expect(result.pageInfo.endCursor).toBe(result.edges.at(-1)?.cursor ?? null);
    return result;
  };

  it('gives the newest items with last, still oldest first within the page', async () => {
    const newest = await page({ last: 5 });
    expect(bodiesOf(newest)).toEqual(bodies.slice(-5));
    expect(newest.totalCount).toBe(23);
    expect(newest.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
  });

  it('walks back to the oldest item with last and before, every item exactly once', async () => {
    const seen: string[][] = [];
    let before: string | null = null;
    let previous = true;
    while (previous) {
      const current: Page = await page({ last: 5, before });
      seen.unshift(bodiesOf(current));
      // A page reached through `before` has the item at that cursor, and what follows it, after it.
      expect(current.pageInfo.hasNextPage).toBe(before !== null);
      previous = current.pageInfo.hasPreviousPage;
      before = current.pageInfo.startCursor;
    }
    expect(seen.map((items) => items.length)).toEqual([3, 5, 5, 5, 5]);
    expect(seen.flat()).toEqual(bodies);
  });

  it('pages between two cursors with after and before', async () => {
    const all = await page({ first: 100 });
    const window = await page({ after: all.edges[4]!.cursor, before: all.edges[10]!.cursor });
    expect(bodiesOf(window)).toEqual(bodies.slice(5, 10));
    expect(window.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const lastTwo = await page({ after: all.edges[4]!.cursor, before: all.edges[10]!.cursor, last: 2 });
    expect(bodiesOf(lastTwo)).toEqual(bodies.slice(8, 10));
    expect(lastTwo.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
  });

  it('reads first and last together as the Relay spec does: the last of the first items', async () => {
    const both = await page({ first: 10, last: 3 });
    expect(bodiesOf(both)).toEqual(bodies.slice(7, 10));
    expect(both.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const wider = await page({ first: 2, last: 5 });
    expect(bodiesOf(wider)).toEqual(bodies.slice(0, 2));
    expect(wider.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('gives an empty page before the first item, and last: 0 gives only the count', async () => {
    const oldest = await page({ first: 1 });
    const beforeOldest = await page({ last: 5, before: oldest.pageInfo.startCursor });
    expect(beforeOldest).toMatchObject({ edges: [], totalCount: 23, pageInfo: { hasPreviousPage: false, hasNextPage: true } });
    const none = await page({ last: 0 });
    expect(none).toMatchObject({ edges: [], totalCount: 23, pageInfo: { hasPreviousPage: true, hasNextPage: false, startCursor: null } });
  });

  it('keeps the newest page current as items arrive', async () => {
    const ownRaw = (await buildConversation(server, { creator: owner })).id;
    const own = conversationId(ownRaw);
    for (const body of ['a', 'b', 'c']) await build(owner, ownRaw, body);
    const before = await page({ last: 2 }, own);
    expect(bodiesOf(before)).toEqual(['b', 'c']);
    await build(owner, ownRaw, 'd');
    expect(bodiesOf(await page({ last: 2 }, own))).toEqual(['c', 'd']);
    expect(bodiesOf(await page({ last: 2, before: before.pageInfo.startCursor }, own))).toEqual(['a']);
  });

  it.each([
    ['last: 101', { last: 101 }, 'last'],
    ['a negative last', { last: -1 }, 'last'],
    ['a malformed before', { before: 'not-a-cursor' }, 'before'],
    ['a cursor of the old readable form', { before: Buffer.from('c:5').toString('base64url') }, 'before'],
  ])('refuses %s with BAD_USER_INPUT', async (_label, variables, argument) => {
    const response = await server.gql(query, { id, ...variables }, owner.token);
    expect(response.data).toEqual({ conversation: null });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toContain(argument);
  });

  it("refuses another conversation's cursor, and a cursor of another list, with BAD_USER_INPUT", async () => {
    const otherRaw = (await buildConversation(server, { creator: owner })).id;
    await build(owner, otherRaw, 'elsewhere');
    const foreign = (await page({ first: 1 }, conversationId(otherRaw))).edges[0]!.cursor;
    const otherList = field === 'comments' ? 'messages' : 'comments';
    if (otherList === 'comments') await buildComment(server, { author: owner, conversationId: raw, body: 'a comment' });
    else await buildMessage(server, { creator: owner, conversationId: raw, body: 'a message' });
    const otherListCursor = ok(await server.gql(queryOf(otherList), { id, first: 1 }, owner.token)).conversation[otherList].edges[0].cursor;
    for (const cursor of [foreign, otherListCursor]) {
      for (const argument of ['after', 'before']) {
        const response = await server.gql(query, { id, [argument]: cursor }, owner.token);
        expect(response.data).toEqual({ conversation: null });
        expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      }
    }
  });

  it('refuses a cursor with any one character changed', async () => {
    const cursor = (await page({ first: 1 })).edges[0]!.cursor;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let position = 0; position < cursor.length; position += 1) {
      const changed = alphabet[(alphabet.indexOf(cursor[position]!) + 17) % 64]!;
      const tampered = cursor.slice(0, position) + changed + cursor.slice(position + 1);
      const response = await server.gql(query, { id, after: tampered }, owner.token);
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    }
  });
});

describe('cursors are opaque', () => {
  /** The row sequence behind an item, read from the database: what a readable cursor would carry. */
  const seqOf = async (table: 'comments' | 'conversations', globalId: string) => {
    const uuid = Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1];
    const [row] = await server.app.database.dataSource.query(`SELECT seq::text FROM ${table} WHERE id = $1`, [uuid]);
    return BigInt(row.seq);
  };

  it('reveal nothing of how many comments other organizations wrote between two of ours', async () => {
    const stranger = await buildOrganization(server);
    const theirs = (await buildConversation(server, { creator: stranger })).id;
    const ours = (await buildConversation(server, { creator: owner })).id;
    await buildComment(server, { author: owner, conversationId: ours, body: 'one' });
    await buildComment(server, { author: owner, conversationId: ours, body: 'two' });
    for (let i = 0; i < 5; i += 1) await buildComment(server, { author: stranger, conversationId: theirs, body: `elsewhere ${i}` });
    await buildComment(server, { author: owner, conversationId: ours, body: 'three' });
    const guest = await buildGuest(server, { inviter: owner, conversationIds: [ours] });
    const { edges } = ok(await server.gql(queryOf('comments'), { id: conversationId(ours), first: 10 }, guest.token)).conversation.comments;
    const seqs = await Promise.all(edges.map((edge: any) => seqOf('comments', edge.node.id)));
    // The rows' sequences have the gap; the cursors must not show it.
    expect(seqs[2] - seqs[1]).toBe(6n);
    for (const [index, edge] of edges.entries()) {
      const bytes = Buffer.from(edge.cursor, 'base64url');
      const eight = Buffer.alloc(8);
      eight.writeBigUInt64BE(seqs[index]!);
      expect(isPrintableText(bytes)).toBe(false);
      expect(bytes.includes(eight)).toBe(false);
      expect(bytes.includes(eight.subarray(4))).toBe(false);
    }
  });

  it("seal conversation cursors too, and refuse another organization's", async () => {
    const stranger = await buildOrganization(server);
    await buildConversation(server, { creator: stranger, subject: 'theirs' });
    const CONVERSATIONS = `query ($after: String) { conversations(first: 1, after: $after) { edges { cursor node { id } } } }`;
    const [theirs] = ok(await server.gql(CONVERSATIONS, {}, stranger.token)).conversations.edges;
    const seq = await seqOf('conversations', theirs.node.id);
    const bytes = Buffer.from(theirs.cursor, 'base64url');
    const eight = Buffer.alloc(8);
    eight.writeBigUInt64BE(seq);
    expect(isPrintableText(bytes)).toBe(false);
    expect(bytes.includes(eight)).toBe(false);
    expect(bytes.includes(eight.subarray(4))).toBe(false);
    const response = await server.gql(CONVERSATIONS, { after: theirs.cursor }, owner.token);
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });
});
