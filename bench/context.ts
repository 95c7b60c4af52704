/** What every benchmark gets from bench/run.ts: the data, the settings, and how to start servers. */
import type { BenchDatabase, OrgData } from './data';
import { startChild, type Child } from './proc';

export interface BenchContext {
  database: BenchDatabase;
  redisUrl: string;
  /** Prefix of every Redis channel of this run, so runs never hear each other. */
  redisPrefix: string;
  sessionSecret: string;
  /** The organization at the sizes of SPEC §9. */
  base: OrgData;
  /** The same organization at ten times the sizes (generated on first use). */
  large(): Promise<OrgData>;
  /** Measured seconds per HTTP round, and of comment posting in the fan-out. */
  httpSeconds: number;
  fanoutSeconds: number;
}

/** A Sidedoor instance as production runs it: PostgreSQL, Redis, NODE_ENV=production, warnings only in the log. */
export function startSidedoor(context: BenchContext, name: string, env: Record<string, string> = {}): Promise<Child> {
  return startChild(name, 'sidedoor-server', {
    NODE_ENV: 'production',
    DATABASE_URL: context.database.url,
    REDIS_URL: context.redisUrl,
    REDIS_PREFIX: context.redisPrefix,
    SESSION_SECRET: context.sessionSecret,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'error',
    PUBLIC_URL: 'http://127.0.0.1',
    // Production requires SMTP_URL. No benchmark sends email yet: one that does passes its own SMTP server's URL.
    SMTP_URL: 'smtp://127.0.0.1:9',
    // Every bench client connects from 127.0.0.1, as thousands of clients behind one proxy would.
    WS_MAX_CONNECTIONS_PER_IP: '100000',
    ...env,
  });
}

/** POSTs an operation; the raw text is kept so two servers can be compared byte for byte. */
export async function post(
  port: number,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<{ status: number; text: string; json: any }> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // left null: the caller reports the text
  }
  return { status: response.status, text, json };
}

/** Throws with the server's words when a response is not a clean success. */
export function expectData(name: string, response: { status: number; text: string; json: any }): any {
  if (response.status !== 200 || !response.json?.data || response.json.errors) {
    throw new Error(`${name}: HTTP ${response.status} ${response.text.slice(0, 600)}`);
  }
  return response.json.data;
}
