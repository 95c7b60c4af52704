import { toGlobalId } from '../../src/ids';
import { buildComment, buildConversation, buildOrganization, PASSWORD, uniqueEmail, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';
import { canLogIn, commentCount } from './helpers';

let server: TestServer;
let owner: Session;
let conversationId: string;

beforeAll(async () => {
  server = await startServer();
  owner = await buildOrganization(server);
  const conversation = await buildConversation(server, { creator: owner });
  conversationId = toGlobalId('Conversation', conversation.id);
  await buildComment(server, { author: owner, conversationId: conversation.id });
});
afterAll(() => server?.stop());

/**
 * A valid selection exactly `depth` fields deep, walking
 * comments → nodes → conversation → … and ending on a scalar. Inside a
 * Comment, start at `conversation` (offset 2).
 */
function nested(depth: number, offset = 0): string {
  const steps = ['comments(first: 1)', 'nodes', 'conversation'];
  const leafAfter: Record<string, string> = { 'comments(first: 1)': 'totalCount', nodes: 'id', conversation: 'id' };
  let open = '';
  let last = offset === 2 ? 'nodes' : 'conversation';
  for (let level = 1; level < depth; level += 1) {
    last = steps[(level - 1 + offset) % 3]!;
    open += ` ${last} {`;
  }
  return `${open} ${leafAfter[last]} ${'}'.repeat(depth - 1)}`;
}

const POST_COMMENT = (selection: string) => `mutation ($input: PostCommentInput!) { postComment(input: $input) {${selection} } }`;

describe('depth', () => {
  it('runs a query twelve fields deep', async () => {
    const response = await server.gql(`query ($id: ID!) { conversation(id: $id) {${nested(11)} } }`, { id: conversationId }, owner.token);
    expect(response.errors).toBeUndefined();
    const { conversation } = response.data;
    expect(conversation.comments.nodes[0].conversation.comments.nodes[0].conversation.comments.nodes[0].conversation.comments.totalCount).toBe(1);
  });

  it('refuses a query thirteen fields deep with BAD_USER_INPUT before running it', async () => {
    const response = await server.gql(`query ($id: ID!) { conversation(id: $id) {${nested(12)} } }`, { id: conversationId }, owner.token);
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toBe('Query depth limit of 12 exceeded, found 13.');
  });

  it('counts the depth through named and inline fragments', async () => {
    const query = `query ($id: ID!) { conversation(id: $id) { ...Deep } }
      fragment Deep on Conversation { ... on Conversation {${nested(12)} } }`;
    const response = await server.gql(query, { id: conversationId }, owner.token);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/depth limit of 12 exceeded, found 13/);
  });

  it('refuses a mutation whose selection is too deep, and posts nothing', async () => {
    const response = await server.gql(POST_COMMENT(nested(12, 2)), { input: { conversationId, body: 'deep' } }, owner.token);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await commentCount(server, owner.token, conversationId)).toBe(1);
  });
});

describe('aliases', () => {
  const aliased = (count: number, field = 'organization { name }') =>
    Array.from({ length: count }, (_, index) => `a${index}: ${field}`).join(' ');

  it('runs a query with thirty aliases', async () => {
    const response = await server.gql(`{ ${aliased(30)} }`, {}, owner.token);
    expect(response.errors).toBeUndefined();
    expect(Object.keys(response.data)).toHaveLength(30);
  });

  it('refuses thirty-one aliases with BAD_USER_INPUT', async () => {
    const response = await server.gql(`{ ${aliased(31)} }`, {}, owner.token);
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toBe('Aliases limit of 30 exceeded, found 31.');
  });

  it('refuses thirty-one aliased postComment calls and posts none of them', async () => {
    const response = await server.gql(
      `mutation ($input: PostCommentInput!) { ${aliased(31, 'postComment(input: $input) { id }')} }`,
      { input: { conversationId, body: 'spam' } },
      owner.token,
    );
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await commentCount(server, owner.token, conversationId)).toBe(1);
  });

  it('counts aliases hidden in fragments spread several times', async () => {
    const fragment = `fragment Many on Query { ${aliased(14)} }`;
    const response = await server.gql(`{ ...Many ... on Query { ...Many } x: viewer { id } y: viewer { id } z: viewer { id } } ${fragment}`, {}, owner.token);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('fragments', () => {
  it('refuses fragments that spread each other in a cycle, and runs nothing', async () => {
    const query = `mutation ($input: PostCommentInput!) { postComment(input: $input) { ...A } }
      fragment A on Comment { conversation { comments { nodes { ...B } } } }
      fragment B on Comment { ...A }`;
    const response = await server.gql(query, { input: { conversationId, body: 'cycle' } }, owner.token);
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(new Set(codes(response))).toEqual(new Set(['BAD_USER_INPUT']));
    expect(response.errors!.map((error) => error.message).join(' ')).toMatch(/Cannot spread fragment "A" within itself/);
    expect(await commentCount(server, owner.token, conversationId)).toBe(1);
  });

  it('refuses a fragment that doubles itself twenty times as too costly', async () => {
    const fragments = ['fragment F0 on Conversation { comments(first: 1) { totalCount } }'];
    for (let level = 1; level <= 20; level += 1) fragments.push(`fragment F${level} on Conversation { ...F${level - 1} ...F${level - 1} }`);
    const response = await server.gql(`query ($id: ID!) { conversation(id: $id) { ...F20 } } ${fragments.join(' ')}`, { id: conversationId }, owner.token);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/cost 1,048,577, limit 50,000/);
  });
});

describe('tokens and directives', () => {
  it('refuses a document of more than 2000 tokens before parsing the rest, and creates nothing', async () => {
    const email = uniqueEmail('tokens');
    const padding = Array.from({ length: 2100 }, () => 'token').join(' ');
    const query = `mutation { signUp(input: { organizationName: "Big", name: "Bo", email: "${email}", password: "${PASSWORD}" }) { token viewer { ${padding} } } }`;
    const response = await server.gql(query);
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/more than 2000 tokens/);
    expect(await canLogIn(server, email)).toBe(false);
  });

  it('runs an operation with twenty directives and refuses twenty-one', async () => {
    const fields = (count: number) => Array.from({ length: count }, (_, index) => `f${index}: name @include(if: true)`).join(' ');
    const twenty = await server.gql(`{ organization { ${fields(20)} } }`, {}, owner.token);
    expect(twenty.errors).toBeUndefined();
    expect(twenty.data.organization.f19).toBe('Acme');
    const twentyOne = await server.gql(`{ organization { ${fields(21)} } }`, {}, owner.token);
    expect(twentyOne.data).toBeUndefined();
    expect(codes(twentyOne)).toEqual(['BAD_USER_INPUT']);
    expect(twentyOne.errors![0]!.message).toBe('Directives limit of 20 exceeded, found 21.');
  });
});

describe('cost', () => {
  const NESTED_PAGES = `query ($outer: Int, $inner: Int) {
    conversations(first: $outer) { nodes { comments(first: $inner) { nodes { author { id } mentions { id } attachments { id } } } } }
  }`;

  it('runs nested connections with small pages', async () => {
    const response = await server.gql(NESTED_PAGES, { outer: 5, inner: 10 }, owner.token);
    expect(response.errors).toBeUndefined();
    expect(response.data.conversations.nodes[0].comments.nodes).toHaveLength(1);
  });

  it('refuses nested connections of 100 × 100 with BAD_USER_INPUT, counting page sizes passed as variables', async () => {
    const response = await server.gql(NESTED_PAGES, { outer: 100, inner: 100 }, owner.token);
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/^This operation may return too many objects \(cost 220,201, limit 50,000\)/);
  });

  it('counts the same document differently when only the variables change', async () => {
    const small = await server.gql(NESTED_PAGES, { outer: 50, inner: 20 }, owner.token);
    expect(small.errors).toBeUndefined();
    const large = await server.gql(NESTED_PAGES, { outer: 50, inner: 100 }, owner.token);
    expect(codes(large)).toEqual(['BAD_USER_INPUT']);
  });

  it('counts page sizes written in the document', async () => {
    const response = await server.gql(
      `{ conversations(first: 100) { nodes { comments(first: 100) { nodes { id } } } } }`,
      {},
      owner.token,
    );
    expect(response.errors).toBeUndefined();
    const refused = await server.gql(
      `{ conversations(first: 100) { nodes { comments(first: 100) { nodes { conversation { comments(first: 100) { nodes { id } } } } } } } }`,
      {},
      owner.token,
    );
    expect(refused.data).toBeUndefined();
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
  });

  it('counts backward pages at last, written or passed as a variable, and first with last at the smaller', async () => {
    const BACKWARD = `query ($inner: Int) {
      conversations(first: 50) { nodes { comments(last: $inner) { nodes { author { id } mentions { id } } } } }
    }`;
    // 1 + 50 + 50 + 50 × 100 + 5,000 + 50,000: the same as first: 100 would cost.
    const refused = await server.gql(BACKWARD, { inner: 100 }, owner.token);
    expect(refused.data).toBeUndefined();
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors![0]!.message).toMatch(/\(cost 60,101, limit 50,000\)/);
    const small = await server.gql(BACKWARD, { inner: 10 }, owner.token);
    expect(small.errors).toBeUndefined();
    expect(small.data.conversations.nodes[0].comments.nodes).toHaveLength(1);
    const written = await server.gql(`{ conversations(first: 50) { nodes { comments(last: 100) { nodes { author { id } mentions { id } } } } } }`, {}, owner.token);
    expect(codes(written)).toEqual(['BAD_USER_INPUT']);
    const both = await server.gql(`{ conversations(first: 50) { nodes { comments(first: 100, last: 10) { nodes { author { id } mentions { id } } } } } }`, {}, owner.token);
    expect(both.errors).toBeUndefined();
  });

  it('refuses a costly mutation selection and posts nothing', async () => {
    const response = await server.gql(
      POST_COMMENT(' conversation { comments(first: 100) { nodes { conversation { comments(first: 100) { nodes { mentions { id } } } } } } }'),
      { input: { conversationId, body: 'costly' } },
      owner.token,
    );
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await commentCount(server, owner.token, conversationId)).toBe(1);
  });
});

describe('limits are configurable', () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startServer({ MAX_QUERY_DEPTH: '3', MAX_QUERY_ALIASES: '1', MAX_QUERY_COST: '25' });
  });
  afterAll(() => strict?.stop());

  it('applies MAX_QUERY_DEPTH, MAX_QUERY_ALIASES and MAX_QUERY_COST from the environment', async () => {
    const member = await buildOrganization(strict);
    const deep = await strict.gql(`{ organization { members { id } teams { name } } }`, {}, member.token);
    expect(deep.errors).toBeUndefined();
    const deeper = await strict.gql(`{ organization { teams { members { id } } } }`, {}, member.token);
    expect(codes(deeper)).toEqual(['BAD_USER_INPUT']);
    expect(deeper.errors![0]!.message).toBe('Query depth limit of 3 exceeded, found 4.');
    const aliases = await strict.gql(`{ a: viewer { id } b: viewer { id } }`, {}, member.token);
    expect(aliases.errors![0]!.message).toBe('Aliases limit of 1 exceeded, found 2.');
    const costly = await strict.gql(`{ conversations(first: 30) { nodes { id } } }`, {}, member.token);
    expect(codes(costly)).toEqual(['BAD_USER_INPUT']);
    expect(costly.errors![0]!.message).toMatch(/cost 31, limit 25/);
  });

  it('refuses a mutation over the depth limit and creates nothing', async () => {
    const email = uniqueEmail('strict');
    const response = await strict.gql(
      `mutation ($input: SignUpInput!) { signUp(input: $input) { viewer { ... on User { email } } token } }`,
      { input: { organizationName: 'Deep', name: 'Dee', email, password: PASSWORD } },
    );
    expect(response.errors).toBeUndefined();
    const refusedEmail = uniqueEmail('strict');
    const tooDeep = await strict.gql(
      `mutation ($input: SignUpInput!) { signUp(input: $input) { viewer { ... on Guest { conversations { id } } } } }`,
      { input: { organizationName: 'Deeper', name: 'Dee', email: refusedEmail, password: PASSWORD } },
    );
    expect(tooDeep.data).toBeUndefined();
    expect(codes(tooDeep)).toEqual(['BAD_USER_INPUT']);
    expect(await canLogIn(strict, email)).toBe(true);
    expect(await canLogIn(strict, refusedEmail)).toBe(false);
  });
});
