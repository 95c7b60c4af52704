import { codes, startServer, type TestServer } from './support/server';
import { raw } from './security/helpers';

/** What Chromium sends when a person types the URL into the address bar. */
const BROWSER_NAVIGATION = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8';
const TYPENAME = `/graphql?query=${encodeURIComponent('{ __typename }')}`;

/** The sources a Content-Security-Policy allows, other than keywords and data: — every one of them would be another origin. */
const foreignSources = (policy: string) =>
  policy
    .split(';')
    .flatMap((directive) => directive.trim().split(/\s+/).slice(1))
    .filter((source) => !source.startsWith("'") && source !== 'data:');

describe('GraphiQL at /graphql (GRAPHIQL=on)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ GRAPHIQL: 'on' });
  });
  afterAll(() => server?.stop());

  it('answers a browser navigating to /graphql with the GraphiQL page, allowed to load nothing from another origin', async () => {
    const response = await raw(server, { method: 'GET', path: '/graphql', headers: { accept: BROWSER_NAVIGATION } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.text).toContain('<script src="/graphiql/graphiql.js" defer></script>');
    const policy = response.headers.get('content-security-policy')!;
    expect(policy).toMatch(/default-src 'none'/);
    expect(policy).toMatch(/script-src 'self';/);
    expect(policy).not.toMatch(/unsafe-eval/);
    expect(foreignSources(policy)).toEqual([]);
  });

  it('serves the bundle the page loads, built from npm packages', async () => {
    for (const file of ['graphiql.js', 'graphiql.css', 'editor.worker.js', 'graphql.worker.js', 'json.worker.js']) {
      const response = await fetch(`${server.url}/graphiql/${file}`);
      expect([file, response.status]).toEqual([file, 200]);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    expect((await fetch(`${server.url}/graphiql/.build-stamp`)).status).toBe(404);
  });

  it('still runs a GET query for an API client that asks for JSON and forces a preflight', async () => {
    const response = await raw(server, { method: 'GET', path: TYPENAME, headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ __typename: 'Query' });
  });

  it.each([['application/json'], ['application/graphql-response+json'], ['*/*']])(
    'still refuses a GET with Accept %s and no preflight-forcing header as a CSRF risk',
    async (accept) => {
      const response = await raw(server, { method: 'GET', path: TYPENAME, headers: { accept } });
      expect(response.status).toBe(400);
      expect(response.data).toBeUndefined();
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.message).toMatch(/CSRF/);
    },
  );

  it('still answers a POST from a browser page, whatever it accepts, with GraphQL', async () => {
    const response = await raw(server, {
      headers: { 'content-type': 'application/json', accept: BROWSER_NAVIGATION },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ __typename: 'Query' });
  });

  it('answers / with a small page that links to GraphiQL', async () => {
    const response = await raw(server, { method: 'GET', path: '/', headers: { accept: BROWSER_NAVIGATION } });
    expect(response.status).toBe(200);
    expect(response.text).toContain('<a href="/graphql">');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  });
});

describe('GraphiQL turned off (GRAPHIQL=off)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ GRAPHIQL: 'off' });
  });
  afterAll(() => server?.stop());

  it("gives a browser navigating to /graphql Apollo's CSRF refusal, as before GraphiQL existed", async () => {
    const response = await raw(server, { method: 'GET', path: '/graphql', headers: { accept: BROWSER_NAVIGATION } });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/CSRF/);
  });

  it('serves neither / nor the bundle', async () => {
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/graphiql/graphiql.js`)).status).toBe(404);
  });
});
