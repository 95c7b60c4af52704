import { startServer, type TestServer } from '../support/server';

const preflight = (server: TestServer, path: string, origin: string) =>
  fetch(`${server.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });

describe('cross-origin requests', () => {
  let open: TestServer;
  let restricted: TestServer;
  beforeAll(async () => {
    [open, restricted] = await Promise.all([startServer(), startServer({ ALLOWED_ORIGINS: 'https://app.example.test' })]);
  });
  afterAll(async () => {
    await Promise.all([open?.stop(), restricted?.stop()]);
  });

  it('lets a browser on any origin call /graphql with a bearer token when ALLOWED_ORIGINS is unset', async () => {
    const response = await preflight(open, '/graphql', 'https://elsewhere.test');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://elsewhere.test');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('answers only the listed origins when ALLOWED_ORIGINS is set, for /graphql and /attachments', async () => {
    for (const path of ['/graphql', '/attachments']) {
      const allowed = await preflight(restricted, path, 'https://app.example.test');
      expect([path, allowed.headers.get('access-control-allow-origin')]).toEqual([path, 'https://app.example.test']);
      const refused = await preflight(restricted, path, 'https://evil.test');
      expect([path, refused.headers.get('access-control-allow-origin')]).toEqual([path, null]);
    }
    const query = await fetch(`${restricted.url}/graphql`, {
      method: 'POST',
      headers: { origin: 'https://app.example.test', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(query.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
    expect(query.headers.get('access-control-expose-headers')).toContain('x-request-id');
    expect(await query.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
