import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { DATABASE_UNAVAILABLE_MESSAGE } from '../../src/errors';
import { createLogger } from '../../src/logger';
import { PASSWORD, uniqueEmail } from '../support/factories';
import { deliveriesTo, enqueue, sleep, testDraft } from '../support/mail';
import { codes, describeOnPostgres, startServer, type TestServer } from '../support/server';
import { TestSmtpServer } from '../support/smtp';
import { jsonHeaders, LogCapture } from './helpers';

/** A TCP proxy in front of PostgreSQL that the test can cut (every connection reset, new ones refused) and restore. */
class TcpProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private down = false;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => {
      if (this.down) return void client.destroy();
      const upstream = connect(this.target.port, this.target.host);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(from);
        from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.sockets.delete(from);
          to.destroy();
        });
      }
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Polls until `check` holds: recovery takes a reconnect, whose timing is the pool's business. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}


describeOnPostgres('when PostgreSQL becomes unreachable', () => {
  let base: TestServer;
  let proxy: TcpProxy;
  let app: App;
  let url: string;
  let smtp: TestSmtpServer;
  const logs = new LogCapture();

  beforeAll(async () => {
    base = await startServer();
    // Only the instance behind the proxy may run jobs: it is the one whose outage the tests watch.
    await base.app.services.jobs.stop();
    smtp = await TestSmtpServer.start();
    const database = new URL(base.env.DATABASE_URL!);
    proxy = new TcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
    database.port = String(await proxy.listen());
    const config = loadConfig({
      ...base.env,
      DATABASE_URL: database.toString(),
      PORT: '0',
      LOG_LEVEL: 'info',
      SMTP_URL: smtp.url,
      JOB_POLL_INTERVAL_MS: '500',
      JOB_RETRY_DELAY_SECONDS: '1',
      JOB_STALE_SECONDS: '3',
    });
    app = createApp(config, { logger: createLogger(config, logs) });
    const port = await app.start(0);
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    proxy?.restore();
    await app?.stop();
    await proxy?.close();
    await base?.stop();
    await smtp?.stop();
  });

  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string, requestId?: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { ...jsonHeaders(token), ...(requestId ? { 'x-request-id': requestId } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, requestId: response.headers.get('x-request-id'), ...((await response.json()) as any) };
  };
  const ready = async () => (await fetch(`${url}/readyz`)).status;
  const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`;
  const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) { token } }`;
  const secretPassword = 'hunter2-do-not-log-me';

  it('answers /readyz 503 and clear errors meanwhile, then serves again without a restart, having lost nothing', async () => {
    const email = uniqueEmail('outage');
    const signUp = await gql(SIGN_UP, { input: { organizationName: 'Before', name: 'Bea', email, password: secretPassword } });
    expect(signUp.errors).toBeUndefined();
    const token = signUp.data.signUp.token as string;
    expect(await ready()).toBe(200);

    proxy.cut();

    expect(await ready()).toBe(503);
    // Redis, when configured, is checked too and still answers.
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({
      status: 'unavailable',
      checks: { database: 'unavailable', ...(app.config.redisUrl ? { redis: 'ok' } : {}) },
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // With a token: authenticating needs the database, so the request fails before running.
    const viewer = await gql(`{ viewer { id } }`, {}, token, 'outage-viewer');
    expect(viewer.status).toBe(503);
    expect(viewer.data).toBeUndefined();
    expect(codes(viewer)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(viewer.errors[0].message).toBe(DATABASE_UNAVAILABLE_MESSAGE);
    expect(viewer.errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String), requestId: 'outage-viewer' });

    // Without one: the resolver fails, masked, and nothing is half-written.
    const lateEmail = uniqueEmail('during');
    const during = await gql(SIGN_UP, { input: { organizationName: 'During', name: 'Dot', email: lateEmail, password: secretPassword } });
    expect(during.status).toBe(503);
    expect(during.data).toBeNull();
    expect(codes(during)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(during.errors[0].message).toBe(DATABASE_UNAVAILABLE_MESSAGE);
    expect(during.errors[0].extensions.requestId).toBe(during.requestId);
    const logIn = await gql(LOG_IN, { input: { email, password: secretPassword } });
    expect(codes(logIn)).toEqual(['INTERNAL_SERVER_ERROR']);

    proxy.restore();

    expect(await eventually(async () => (await ready()) === 200)).toBe(true);
    const after = await gql(`{ viewer { ... on User { email } } organization { name } }`, {}, token);
    expect(after.errors).toBeUndefined();
    expect(after.data).toEqual({ viewer: { email }, organization: { name: 'Before' } });
    const logInAgain = await gql(LOG_IN, { input: { email, password: secretPassword } });
    expect(logInAgain.errors).toBeUndefined();
    const lateLogIn = await gql(LOG_IN, { input: { email: lateEmail, password: secretPassword } });
    expect(codes(lateLogIn)).toEqual(['UNAUTHENTICATED']);
  });

  it('keeps its job workers alive through an outage that begins in the middle of a delivery, and delivers the email', async () => {
    const draft = testDraft();
    smtp.answer = (_attempt, delivery) => (delivery.envelope.to.includes(draft.to.address) && deliveriesTo(smtp, draft.to.address).length === 0 ? { acceptAfterMs: 1500 } : null);
    await enqueue({ app }, draft);
    expect(await eventually(async () => deliveriesTo(smtp, draft.to.address).length === 1)).toBe(true);
    // The SMTP server accepts while the database is unreachable: recording the job's completion fails
    // (pg-boss does not await it), which must not kill the process.
    proxy.cut();
    await sleep(2500);
    expect(deliveriesTo(smtp, draft.to.address)[0]!.accepted).toBe(true);
    proxy.restore();
    expect(await eventually(async () => (await ready()) === 200)).toBe(true);
    expect(logs.lines.some((line) => line.msg === 'job queue cannot reach the database: jobs wait until it is back')).toBe(true);
    // Its completion was lost with the connection, so the job went stale and was sent again: at least once, never lost.
    expect(await eventually(async () => deliveriesTo(smtp, draft.to.address).length === 2, 15_000)).toBe(true);
    expect(new Set(deliveriesTo(smtp, draft.to.address).map((delivery) => delivery.parsed.messageId)).size).toBe(1);
    const second = testDraft();
    await enqueue({ app }, second);
    expect(await eventually(async () => deliveriesTo(smtp, second.to.address).length === 1)).toBe(true);
  });

  it('logged the outage with request ids, and never a password, a token or a body', async () => {
    const text = logs.raw.join('');
    expect(text).not.toContain(secretPassword);
    expect(text).not.toMatch(/sd_[A-Za-z0-9_-]{10,}/);
    expect(text).not.toContain('Before');
    const outage = logs.lines.filter((line) => line.msg === 'database unavailable');
    expect(outage.length).toBeGreaterThanOrEqual(3);
    expect(outage.map((line) => line.requestId)).toContain('outage-viewer');
    for (const line of outage) expect(line).toMatchObject({ level: 40, errorId: expect.any(String), err: { message: expect.any(String) } });
    const requests = logs.lines.filter((line) => line.msg === 'request' && line.path === '/graphql');
    expect(requests.length).toBeGreaterThan(5);
    expect(requests.find((line) => line.requestId === 'outage-viewer')).toMatchObject({ method: 'POST', status: 503 });
  });
});

describe('a password given to signUp', () => {
  it('is not in the logs even at trace level', async () => {
    const logs = new LogCapture();
    const server = await startServer();
    const config = loadConfig({ ...server.env, PORT: '0', LOG_LEVEL: 'trace' });
    const traced = createApp(config, { logger: createLogger(config, logs) });
    try {
      const port = await traced.start(0);
      const email = uniqueEmail('traced');
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: jsonHeaders(),
        body: JSON.stringify({
          query: `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`,
          variables: { input: { organizationName: 'Traced', name: 'Tom', email, password: `${PASSWORD}-traced` } },
        }),
      });
      const { data } = (await response.json()) as { data: { signUp: { token: string } } };
      expect(data.signUp.token).toMatch(/^sd_/);
      const text = logs.raw.join('');
      expect(text).toContain('"msg":"sql"');
      expect(text).not.toContain(`${PASSWORD}-traced`);
      expect(text).not.toContain(data.signUp.token);
    } finally {
      await traced.stop();
      await server.stop();
    }
  });
});
