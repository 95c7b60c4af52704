import { buildConversation, buildGuest, buildOrganization, type Session } from '../support/factories';
import { codes, startServer, type TestServer } from '../support/server';
import { RawSocket } from '../support/websocket';

/**
 * The decision on schema hints in production (README, Security > Introspection):
 * validation messages keep naming the fields and types involved, the schema
 * being published; suggestions, which would turn each error into a search of
 * the schema, are withheld from callers who may not introspect, on both transports.
 */
describe('validation messages in production, for callers who may not introspect', () => {
  let server: TestServer;
  let guest: Session;
  beforeAll(async () => {
    server = await startServer({ NODE_ENV: 'production', SESSION_SECRET: 'a-production-secret-of-at-least-32-chars', SMTP_URL: 'smtp://127.0.0.1:9' });
    const owner = await buildOrganization(server);
    guest = await buildGuest(server, { inviter: owner, conversationIds: [(await buildConversation(server, { creator: owner })).id] });
  });
  afterAll(() => server?.stop());

  const cases: Array<[string, string, Record<string, unknown>, string[]]> = [
    ['a missing required input field', 'mutation { logIn(input: { email: "x" }) { token } }', {}, ['Field "LogInInput.password" of required type "String!" was not provided.']],
    ['an unknown type', 'query ($x: Strin) { viewer { id } }', {}, ['Unknown type "Strin".', 'Variable "$x" is never used.']],
    ['a misspelt field', '{ viewr { id } }', {}, ['Cannot query field "viewr" on type "Query".']],
    [
      'a misspelt input field in the variables',
      'mutation ($input: LogInInput!) { logIn(input: $input) { token } }',
      { input: { email: 'x', pasword: 'y' } },
      [
        'Variable "$input" got invalid value { email: "x", pasword: "y" }; Field "password" of required type "String!" was not provided.',
        'Variable "$input" got invalid value { email: "x", pasword: "y" }; Field "pasword" is not defined by type "LogInInput".',
      ],
    ],
  ];

  it.each(cases)('answer %s over HTTP with the names involved and no suggestion', async (_label, query, variables, messages) => {
    for (const token of [null, guest.token]) {
      const response = await server.gql(query, variables, token);
      expect(response.errors!.map((error) => error.message)).toEqual(messages);
      expect(codes(response).every((code) => code === 'BAD_USER_INPUT')).toBe(true);
    }
  });

  it.each(cases)('answer %s over websockets alike', async (_label, query, variables, messages) => {
    const raw = new RawSocket(server.wsUrl);
    await raw.opened;
    raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${guest.token}` } });
    await raw.message((message) => message.type === 'connection_ack', 'connection_ack');
    raw.send({ id: 'q', type: 'subscribe', payload: { query, variables } });
    const answer = await raw.message((message) => message.id === 'q', 'the answer');
    expect(answer.type).toBe('error');
    expect(answer.payload.map((error: any) => error.message)).toEqual(messages);
    expect(answer.payload.every((error: any) => error.extensions.code === 'BAD_USER_INPUT')).toBe(true);
    raw.close();
  });
});
