import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createApp, type App } from '../../src/app';
import type { Logger } from '../../src/logger';
import type { OutboundTransport } from '../../src/message/message.transport';
import { loadConfig } from '../../src/config';
import { databaseUrl, TEST_DATABASE_URL } from './services';

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: { code?: string; [key: string]: unknown } }>;
}

export interface TestServer {
  readonly app: App;
  readonly url: string;
  readonly graphqlUrl: string;
  readonly wsUrl: string;
  /** Environment the instance was built from: pass it to `startServer` for a second instance on the same database. */
  readonly env: Record<string, string>;
  /** POSTs an operation as a browser-less API client would. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/** Whether the tests run against a real PostgreSQL (cloned from the migrated template). */
export const usingPostgres = () => Boolean(process.env.SIDEDOOR_TEST_TEMPLATE);
/** The Redis URL the tests may use, or '' when only in-process pub/sub is available. */
export const testRedisUrl = () => process.env.SIDEDOOR_TEST_REDIS ?? '';

/**
 * For tests that run a second instance on the same database: an embedded
 * database belongs to one process, so they need PostgreSQL (the fallback run
 * reports them as skipped; CI always has PostgreSQL).
 */
export const itWithSharedDatabase: jest.It = usingPostgres() ? it : it.skip;

/** Tests that need PostgreSQL itself (a second instance, a raw catalog, locks): skipped on the embedded fallback. */
export const describeOnPostgres: jest.Describe = usingPostgres() ? describe : describe.skip;

/** Tests of several instances behind a load balancer: one PostgreSQL and one Redis (skipped on the fallback). */
export const describeOnInstances: jest.Describe = usingPostgres() && testRedisUrl() ? describe : describe.skip;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export async function cloneTemplate(): Promise<string> {
  const name = `${process.env.SIDEDOOR_TEST_TEMPLATE}_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${process.env.SIDEDOOR_TEST_TEMPLATE}`);
  } finally {
    await admin.end();
  }
  return name;
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * Starts a real Sidedoor instance on a free port with its own fresh database
 * (and its own Redis key prefix). Pass `env` from another TestServer to start
 * a second instance sharing that database and Redis; pass `transport` to
 * see the replies the instance hands to the outside world, `logger` to read
 * what it logs.
 */
export async function startServer(
  overrides: Record<string, string> = {},
  options: { transport?: OutboundTransport; logger?: Logger } = {},
): Promise<TestServer> {
  let ownDatabase: string | null = null;
  // Emails of an instance without SMTP_URL go to a folder of its own, not to the working copy's .data/outbox.
  const ownOutbox = 'OUTBOX_DIR' in overrides ? null : mkdtempSync(join(tmpdir(), 'sidedoor-test-outbox-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PASSWORD_HASH_COST: '10',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    REDIS_PREFIX: `sidedoor-test-${randomBytes(4).toString('hex')}:`,
    ...(testRedisUrl() ? { REDIS_URL: testRedisUrl() } : {}),
    ...(ownOutbox ? { OUTBOX_DIR: ownOutbox } : {}),
    ...overrides,
  };
  if (!('DATABASE_URL' in overrides)) {
    if (usingPostgres()) {
      ownDatabase = await cloneTemplate();
      env.DATABASE_URL = databaseUrl(ownDatabase);
    } else {
      env.DATA_DIR = 'memory://';
    }
  }
  if (env.REDIS_URL === '') delete env.REDIS_URL;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({ ...env, PORT: String(port), PUBLIC_URL: url });
  const app = createApp(config, { transport: options.transport, logger: options.logger });
  await app.start(port);
  const graphqlUrl = `${url}/graphql`;
  return {
    app,
    url,
    graphqlUrl,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    env,
    async gql(query, variables, token) {
      const response = await fetch(graphqlUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, 'status'>;
      return { status: response.status, ...body };
    },
    async stop() {
      await app.stop();
      if (ownDatabase) await dropDatabase(ownDatabase);
      if (ownOutbox) rmSync(ownOutbox, { recursive: true, force: true });
    },
  };
}

/** The codes of a response's errors, in order: what tests assert alongside `data`. */
export const codes = (response: GraphQLResponse): Array<string | undefined> => (response.errors ?? []).map((error) => error.extensions?.code);
