import { getIntrospectionQuery } from 'graphql';
import { buildGuest, buildOrganization, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';

// Production requires SMTP_URL; these tests send no email, so nothing ever connects to it.
const PRODUCTION = { NODE_ENV: 'production', SESSION_SECRET: 'a-production-secret-of-at-least-32-chars', SMTP_URL: 'smtp://127.0.0.1:9' };
const INTROSPECTION = getIntrospectionQuery();
const TYPE = `{ __type(name: "Guest") { name fields { name } } }`;
const TYPO = `{ viewr { id } }`;

describe('in production', () => {
  let server: TestServer;
  let member: Session;
  let guest: Session;
  beforeAll(async () => {
    server = await startServer(PRODUCTION);
    member = await buildOrganization(server);
    guest = await buildGuest(server, { inviter: member });
  });
  afterAll(() => server?.stop());

  it('serves the full introspection query to a member', async () => {
    const response = await server.gql(INTROSPECTION, {}, member.token);
    expect(response.errors).toBeUndefined();
    const names = response.data.__schema.types.map((type: { name: string }) => type.name);
    expect(names).toEqual(expect.arrayContaining(['Conversation', 'Guest', 'CommentConnection']));
  });

  it('refuses introspection without a token with UNAUTHENTICATED', async () => {
    for (const query of [INTROSPECTION, TYPE]) {
      const response = await server.gql(query);
      expect(response.status).toBe(400);
      expect(response.data).toBeUndefined();
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.errors![0]!.message).toMatch(/members only/);
    }
  });

  it('refuses introspection to a guest with FORBIDDEN', async () => {
    for (const query of [INTROSPECTION, TYPE]) {
      const response = await server.gql(query, {}, guest.token);
      expect(response.data).toBeUndefined();
      expect(codes(response)).toEqual(['FORBIDDEN']);
    }
  });

  it('refuses introspection hidden inside a fragment', async () => {
    const response = await server.gql(`{ viewer { id } ...Schema } fragment Schema on Query { __schema { queryType { name } } }`, {}, guest.token);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['FORBIDDEN']);
  });

  it('still answers __typename to anyone', async () => {
    const response = await server.gql(`{ __typename }`);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ __typename: 'Query' });
  });

  it('hides field suggestions from anonymous callers and guests, and shows them to members', async () => {
    for (const token of [undefined, guest.token]) {
      const hidden = await server.gql(TYPO, {}, token);
      expect(codes(hidden)).toEqual(['BAD_USER_INPUT']);
      expect(hidden.errors![0]!.message).toBe('Cannot query field "viewr" on type "Query".');
    }
    const argument = await server.gql(`{ conversations(frist: 1) { totalCount } }`, {}, guest.token);
    expect(argument.errors![0]!.message).toBe('Unknown argument "frist" on field "Query.conversations".');
    const shown = await server.gql(TYPO, {}, member.token);
    expect(shown.errors![0]!.message).toBe('Cannot query field "viewr" on type "Query". Did you mean "viewer"?');
  });

  it('hides suggestions in variable errors too', async () => {
    const response = await server.gql(`mutation ($input: LogInInput!) { logIn(input: $input) { token } }`, {
      input: { emial: 'x@example.test', password: 'whatever-password' },
    });
    expect(codes(response)).toEqual(expect.arrayContaining(['BAD_USER_INPUT']));
    for (const error of response.errors!) expect(error.message).not.toMatch(/Did you mean/);
  });
});

describe('INTROSPECTION=off', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ...PRODUCTION, INTROSPECTION: 'off' });
  });
  afterAll(() => server?.stop());

  it('refuses introspection even to a member, and hides suggestions from them', async () => {
    const member = await buildOrganization(server);
    const response = await server.gql(INTROSPECTION, {}, member.token);
    expect(response.data).toBeUndefined();
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/turned off/);
    const typo = await server.gql(TYPO, {}, member.token);
    expect(typo.errors![0]!.message).not.toMatch(/Did you mean/);
  });
});

describe('INTROSPECTION=public in production', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ...PRODUCTION, INTROSPECTION: 'public' });
  });
  afterAll(() => server?.stop());

  it('serves introspection without a token', async () => {
    const response = await server.gql(TYPE);
    expect(response.errors).toBeUndefined();
    expect(response.data.__type.name).toBe('Guest');
  });
});

describe('outside production', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.stop());

  it('serves introspection and suggestions to anyone', async () => {
    const response = await server.gql(INTROSPECTION);
    expect(response.errors).toBeUndefined();
    expect(response.data.__schema.queryType.name).toBe('Query');
    const typo = await server.gql(TYPO);
    expect(typo.errors![0]!.message).toMatch(/Did you mean "viewer"\?/);
    const variables = await server.gql(`mutation ($input: LogInInput!) { logIn(input: $input) { token } }`, {
      input: { emial: 'x@example.test', password: 'whatever-password' },
    });
    expect(variables.errors!.map((error) => error.message).join(' ')).toMatch(/Did you mean "email"\?/);
  });
});
