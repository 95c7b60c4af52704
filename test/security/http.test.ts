import { buildOrganization, PASSWORD, uniqueEmail } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';
import { canLogIn, jsonHeaders, raw } from './helpers';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`;
const signUpBody = (email: string) => ({ query: SIGN_UP, variables: { input: { organizationName: 'Csrf', name: 'Cy', email, password: PASSWORD } } });

describe('GET /graphql', () => {
  it('answers a query when the request carries a preflight-forcing header', async () => {
    const response = await raw(server, {
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent('{ __typename }')}`,
      headers: { 'apollo-require-preflight': 'true', accept: 'application/graphql-response+json' },
    });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ __typename: 'Query' });
    expect(response.errors).toBeUndefined();
  });

  it('answers a query sent with a bearer token, a header no cross-site request can carry without a preflight', async () => {
    const owner = await buildOrganization(server, { name: 'Gert Get' });
    const response = await raw(server, {
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent('{ viewer { name } }')}`,
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ viewer: { name: 'Gert Get' } });
    expect(response.errors).toBeUndefined();
  });

  it('refuses a GET without a preflight-forcing header, as a cross-site link or <img> would send it', async () => {
    const response = await raw(server, { method: 'GET', path: `/graphql?query=${encodeURIComponent('{ __typename }')}` });
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/CSRF/);
  });

  it('refuses a mutation over GET and creates nothing', async () => {
    const email = uniqueEmail('get');
    const { query, variables } = signUpBody(email);
    const response = await raw(server, {
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables))}`,
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(405);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/GET requests only support query operations/);
    expect(await canLogIn(server, email)).toBe(false);
  });
});

describe('CSRF', () => {
  it('refuses a text/plain POST, as a cross-site form would send it, and creates nothing', async () => {
    const email = uniqueEmail('csrf');
    const response = await raw(server, { headers: { 'content-type': 'text/plain' }, body: JSON.stringify(signUpBody(email)) });
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await canLogIn(server, email)).toBe(false);
  });

  it('refuses a form-encoded POST and creates nothing', async () => {
    const email = uniqueEmail('form');
    const response = await raw(server, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent(SIGN_UP)}`,
    });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await canLogIn(server, email)).toBe(false);
  });
});

describe('request bodies', () => {
  it('refuses a body over 1 MB with 413 and a GraphQL-shaped error, and creates nothing', async () => {
    const email = uniqueEmail('big');
    const body = signUpBody(email) as { query: string; variables: Record<string, unknown> };
    body.variables.padding = 'x'.repeat(1024 * 1024);
    const response = await raw(server, { headers: jsonHeaders(), body: JSON.stringify(body) });
    expect(response.status).toBe(413);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toBe('The request body is larger than 1 MB.');
    expect(await canLogIn(server, email)).toBe(false);
  });

  it('reads a body just under 1 MB', async () => {
    const response = await raw(server, {
      headers: jsonHeaders(),
      body: JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(1000 * 1000) } }),
    });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ __typename: 'Query' });
  });

  it('answers invalid JSON with 400 and a GraphQL-shaped error', async () => {
    const response = await raw(server, { headers: jsonHeaders(), body: '{"query": "{ __typename }"' });
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toBe('The request body is not valid JSON.');
  });

  it('answers an empty body with 400 and BAD_USER_INPUT', async () => {
    const response = await raw(server, { headers: jsonHeaders(), body: '' });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers a body without a query with 400 and BAD_USER_INPUT', async () => {
    const response = await raw(server, { headers: jsonHeaders(), body: JSON.stringify({ variables: {} }) });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses a batch of operations and runs none of them', async () => {
    const [first, second] = [uniqueEmail('batch'), uniqueEmail('batch')];
    const response = await raw(server, { headers: jsonHeaders(), body: JSON.stringify([signUpBody(first), signUpBody(second)]) });
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/batching/i);
    expect(await canLogIn(server, first)).toBe(false);
    expect(await canLogIn(server, second)).toBe(false);
  });

  it('refuses an unknown operationName and runs nothing', async () => {
    const email = uniqueEmail('opname');
    const response = await raw(server, {
      headers: jsonHeaders(),
      body: JSON.stringify({ ...signUpBody(email), query: SIGN_UP.replace('mutation', 'mutation Join'), operationName: 'Leave' }),
    });
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toBe('Unknown operation named "Leave".');
    expect(await canLogIn(server, email)).toBe(false);
  });

  it('refuses a document with two operations and no operationName', async () => {
    const response = await server.gql(`query A { __typename } query B { __typename }`);
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers variables of the wrong type with BAD_USER_INPUT and creates nothing', async () => {
    const email = uniqueEmail('types');
    const response = await server.gql(SIGN_UP, { input: { organizationName: ['x'], name: 'Ty', email, password: PASSWORD } });
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await canLogIn(server, email)).toBe(false);
  });
});

describe('request ids', () => {
  it('echoes a plain x-request-id and makes one up otherwise', async () => {
    const owner = await buildOrganization(server);
    const given = await raw(server, { headers: { ...jsonHeaders(owner.token), 'x-request-id': 'client-42.a' }, body: JSON.stringify({ query: '{ viewer { id } }' }) });
    expect(given.headers.get('x-request-id')).toBe('client-42.a');
    const forged = await raw(server, {
      headers: { ...jsonHeaders(), 'x-request-id': 'x'.repeat(101) },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const none = await raw(server, { headers: jsonHeaders(), body: '{' });
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
