import { createServer, type AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { buildOrganization, PASSWORD, uniqueEmail } from '../support/factories';
import { codes, describeOnInstances, type GraphQLResponse, startServer, testRedisUrl, type TestServer } from '../support/server';
import { jsonHeaders, raw } from './helpers';

const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) { token } }`;
const WRONG = 'not the password';

const logIn = (server: TestServer, email: string, password = WRONG) => server.gql(LOG_IN, { input: { email, password } });

async function failTimes(server: TestServer, email: string, times: number): Promise<GraphQLResponse[]> {
  const responses: GraphQLResponse[] = [];
  for (let attempt = 0; attempt < times; attempt += 1) responses.push(await logIn(server, email));
  return responses;
}

describe('failed log-ins per email', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.stop());

  it('answers RATE_LIMITED after 10 failures, with a retry delay, even to the right password', async () => {
    const owner = await buildOrganization(server);
    const failures = await failTimes(server, owner.email, 10);
    expect(failures.map((response) => codes(response))).toEqual(Array(10).fill(['UNAUTHENTICATED']));

    const eleventh = await logIn(server, owner.email);
    expect(eleventh.data).toBeNull();
    expect(codes(eleventh)).toEqual(['RATE_LIMITED']);
    const retryAfter = eleventh.errors![0]!.extensions!.retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(eleventh.errors![0]!.message).toBe('Too many failed log-in attempts for this email. Try again in 15 minutes.');

    const rightPassword = await logIn(server, owner.email.toUpperCase(), PASSWORD);
    expect(rightPassword.data).toBeNull();
    expect(codes(rightPassword)).toEqual(['RATE_LIMITED']);
  });

  it('leaves the sessions of a blocked email working, and other emails free to log in', async () => {
    const blocked = await buildOrganization(server);
    const other = await buildOrganization(server);
    await failTimes(server, blocked.email, 11);
    const viewer = await server.gql(`{ viewer { id } }`, {}, blocked.token);
    expect(viewer.errors).toBeUndefined();
    const otherLogIn = await logIn(server, other.email, PASSWORD);
    expect(otherLogIn.errors).toBeUndefined();
    expect(otherLogIn.data.logIn.token).toMatch(/^sd_/);
  });

  it('limits unknown emails alike, so the limit reveals nothing', async () => {
    const email = uniqueEmail('nobody');
    const responses = await failTimes(server, email, 11);
    expect(responses.map((response) => codes(response)[0])).toEqual([...Array(10).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
  });

  it('counts aliased log-ins one by one: a failure stops the rest, so each request tries once', async () => {
    const owner = await buildOrganization(server);
    const aliases = Array.from({ length: 12 }, (_, index) => `a${index}: logIn(input: $input) { token }`).join(' ');
    const attempt = () => server.gql(`mutation ($input: LogInInput!) { ${aliases} }`, { input: { email: owner.email, password: WRONG } });
    for (let request = 0; request < 10; request += 1) {
      const response = await attempt();
      // logIn is non-null: its first failure nulls the whole result and the later aliases never run.
      expect(response.data).toBeNull();
      expect(response.errors!.map((error) => [error.path, error.extensions!.code])).toEqual([[['a0'], 'UNAUTHENTICATED']]);
    }
    const blocked = await attempt();
    expect(blocked.errors!.map((error) => [error.path, error.extensions!.code])).toEqual([[['a0'], 'RATE_LIMITED']]);
  });
});

describe('failed log-ins per IP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_LOGIN_IP: '5/1m' });
  });
  afterAll(() => server?.stop());

  it('refuses a network that fails too often, whatever the email, and counts successes as nothing', async () => {
    const owner = await buildOrganization(server);
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await logIn(server, owner.email, PASSWORD)).errors).toBeUndefined();
    const emails = Array.from({ length: 6 }, () => uniqueEmail('spray'));
    const responses = [];
    for (const email of emails) responses.push(await logIn(server, email));
    expect(responses.map((response) => codes(response)[0])).toEqual([...Array(5).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
    expect(responses[5]!.errors![0]!.message).toMatch(/^Too many failed log-in attempts from your network\. Try again in \d+ seconds?\.$/);
    expect(codes(await logIn(server, owner.email, PASSWORD))).toEqual(['RATE_LIMITED']);
  });
});

describe('client addresses behind a proxy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_LOGIN_IP: '2/1m' });
  });
  afterAll(() => server?.stop());

  const fromAddress = (address: string) =>
    raw(server, {
      headers: { ...jsonHeaders(), 'x-forwarded-for': address },
      body: JSON.stringify({ query: LOG_IN, variables: { input: { email: uniqueEmail('proxied'), password: WRONG } } }),
    });

  it('counts per client address as a trusted (loopback) proxy reports it', async () => {
    const first = [await fromAddress('203.0.113.7'), await fromAddress('203.0.113.7'), await fromAddress('203.0.113.7')];
    expect(first.map((response) => codes(response)[0])).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
    expect(codes(await fromAddress('203.0.113.8'))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('other limited actions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_INVITATION: '2/1h', RATE_LIMIT_UPLOAD: 'off' });
  });
  afterAll(() => server?.stop());

  it('applies RATE_LIMIT_INVITATION and turns a bucket off with "off"', async () => {
    const { rateLimits } = server.app.services;
    await rateLimits.consume('invitation', 'actor-1');
    await rateLimits.consume('invitation', 'actor-1');
    await expect(rateLimits.consume('invitation', 'actor-1')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      extensions: { retryAfterSeconds: expect.any(Number) },
      message: expect.stringMatching(/^You have sent too many invitations\. Try again in (59|60) minutes\.$/),
    });
    await expect(rateLimits.consume('invitation', 'actor-2')).resolves.toBeUndefined();
    for (let upload = 0; upload < 100; upload += 1) await rateLimits.consume('upload', 'actor-1');
  });

  it('limits member invitations per inviter, and issues nothing over the limit', async () => {
    const owner = await buildOrganization(server);
    const INVITE = `mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { invitationUrl } }`;
    for (let invitation = 0; invitation < 2; invitation += 1) {
      expect((await server.gql(INVITE, { input: { email: uniqueEmail('invitee') } }, owner.token)).errors).toBeUndefined();
    }
    const third = await server.gql(INVITE, { input: { email: uniqueEmail('invitee') } }, owner.token);
    expect(third.data).toBeNull();
    expect(codes(third)).toEqual(['RATE_LIMITED']);
    const [{ count }] = await server.app.database.dataSource.query(
      `SELECT count(*)::int AS count FROM invitations WHERE invited_by_id = $1`,
      [owner.actor.id],
    );
    expect(count).toBe(2);
  });
});


describeOnInstances('through Redis', () => {
  let first: TestServer;
  let second: TestServer;
  let redis: Redis;
  beforeAll(async () => {
    first = await startServer();
    second = await startServer(first.env);
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await redis?.del(...(await redis.keys(`${first.env.REDIS_PREFIX}rl:*`)), 'nothing');
    redis?.disconnect();
    await second?.stop();
    await first?.stop();
  });

  it('shares the count between instances, under the configured key prefix, without the email in clear', async () => {
    const owner = await buildOrganization(first);
    await failTimes(first, owner.email, 5);
    await failTimes(second, owner.email, 5);
    expect(codes(await logIn(first, owner.email, PASSWORD))).toEqual(['RATE_LIMITED']);
    expect(codes(await logIn(second, owner.email, PASSWORD))).toEqual(['RATE_LIMITED']);
    const keys = await redis.keys(`${first.env.REDIS_PREFIX}rl:logInFailure:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(owner.email);
    expect(await redis.get(keys[0]!)).toBe('12');
  });
});

describe('without Redis', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ REDIS_URL: '' });
  });
  afterAll(() => server?.stop());

  it('still limits failed log-ins, in memory', async () => {
    const owner = await buildOrganization(server);
    await failTimes(server, owner.email, 10);
    expect(codes(await logIn(server, owner.email, PASSWORD))).toEqual(['RATE_LIMITED']);
  });
});

describe('while Redis is unreachable', () => {
  let server: TestServer;
  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    // Nothing listens there: every Redis command fails at once.
    server = await startServer({ REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(() => server?.stop());

  it('keeps logging people in and limits failures per instance, in memory', async () => {
    const owner = await buildOrganization(server);
    const success = await logIn(server, owner.email, PASSWORD);
    expect(success.errors).toBeUndefined();
    const failures = await failTimes(server, owner.email, 11);
    expect(failures.map((response) => codes(response)[0])).toEqual([...Array(10).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
  });
});
