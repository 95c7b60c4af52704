/**
 * The audit log stays fast at scale: with 1,000,000 events in one
 * organization (and 200,000 in another), the first page of every filter is
 * one statement that reads a bounded range of one B-tree index.
 *
 * Creates a scratch database on the PostgreSQL server of DATABASE_URL,
 * migrates it, inserts the events (skewed like a real log: mostly log-ins
 * and downloads, few removals), runs VACUUM ANALYZE, then asks the real
 * AuditService for the first and second page of each filter while recording
 * the SQL it sends, and prints EXPLAIN (ANALYZE, BUFFERS) of exactly those
 * statements. Not part of `npm test` or `npm run bench`: run it by hand.
 *
 *   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node dist/bench/audit-explain.js
 *
 * Environment: DATABASE_URL (required; only its server is used), EVENTS
 * (default 1000000), KEEP=1 (keep the scratch database afterwards).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { AuditService, type AuditFilterInput } from '../src/audit/audit.service';
import type { Viewer } from '../src/auth/viewer';
import { createDatabase, openDatabase } from '../src/db';
import { toGlobalId } from '../src/ids';
import { createLogger } from '../src/logger';

const EVENTS = Number(process.env.EVENTS ?? 1_000_000);
const OTHER_EVENTS = Math.round(EVENTS / 5);
const ACTORS = 2_000;
const CONVERSATIONS = 5_000;
const BATCH = 100_000;

/** Out of 100 events: how many of each action. One event in a thousand is a rare one (a removal or a revocation). */
const MIX: Array<[string, number]> = [
  ['LOGIN_SUCCEEDED', 40],
  ['ATTACHMENT_DOWNLOADED', 25],
  ['LOGIN_FAILED', 10],
  ['GUEST_ADDED', 5],
  ['GUEST_INVITED', 5],
  ['GUEST_JOINED', 4],
  ['GUEST_ACCESS_CHANGED', 3],
  ['GUEST_LEFT', 2],
  ['GUEST_ACCESS_EXPIRED', 2],
  ['MEMBER_INVITED', 1],
  ['MEMBER_JOINED', 1],
  ['GUEST_SETTINGS_CHANGED', 1],
  ['CONVERSATION_GUESTS_CHANGED', 1],
];
const RARE = ['GUEST_REMOVED', 'GUEST_REVOKED'];
const PERCENT_TO_ACTION = MIX.flatMap(([action, share]) => Array.from({ length: share }, () => action));

type Statement = { sql: string; params: unknown[] };

async function admin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Events of one organization, the newest now, one every 30 seconds back in time: about a year for a million. */
async function insertEvents(dataSource: DataSource, organizationId: string, count: number, actors: string[], conversations: string[]) {
  for (let start = 0; start < count; start += BATCH) {
    const end = Math.min(start + BATCH, count);
    await dataSource.query(
      `INSERT INTO audit_events (organization_id, action, actor_id, subject_id, conversation_id, ip, user_agent, occurred_at)
       SELECT $1,
              CASE WHEN i % 1000 = 7 THEN ($5::text[])[1 + (i / 1000) % 2] ELSE ($4::text[])[1 + (i * 37) % 100] END,
              ($2::uuid[])[1 + (i * 7919) % ${actors.length}],
              ($2::uuid[])[1 + (i * 104729) % ${actors.length}],
              CASE WHEN i % 3 = 0 THEN NULL ELSE ($3::uuid[])[1 + (i * 31) % ${conversations.length}] END,
              '203.0.113.' || (i % 250),
              'Mozilla/5.0 (bench)',
              now() - i * interval '30 seconds'
         FROM generate_series($6::bigint, $7::bigint) AS i`,
      [organizationId, actors, conversations, PERCENT_TO_ACTION, RARE, start, end - 1],
    );
  }
}

/** The DataSource as the service sees it, except that every statement it sends is also recorded. */
function recording(dataSource: DataSource, statements: Statement[]): DataSource {
  return new Proxy(dataSource, {
    get(target, property, receiver) {
      if (property === 'query') {
        return (sql: string, params: unknown[] = []) => {
          statements.push({ sql, params });
          return target.query(sql, params);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function explain(dataSource: DataSource, title: string, statements: Statement[]): Promise<void> {
  console.log(`=== ${title} (${statements.length} statement${statements.length === 1 ? '' : 's'})`);
  if (statements.length !== 1) throw new Error(`expected one statement, got ${statements.length}`);
  const { sql, params } = statements[0]!;
  const plan: { 'QUERY PLAN': string }[] = await dataSource.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
  console.log(`${plan.map((row) => row['QUERY PLAN']).join('\n')}\n`);
}

async function run(dataSource: DataSource): Promise<void> {
  const [{ version }] = await dataSource.query(`SELECT version()`);
  console.log(`${version}\n`);

  const organizationId = randomUUID();
  const actors = Array.from({ length: ACTORS }, () => randomUUID());
  const conversations = Array.from({ length: CONVERSATIONS }, () => randomUUID());
  const started = Date.now();
  await insertEvents(dataSource, organizationId, EVENTS, actors, conversations);
  await insertEvents(dataSource, randomUUID(), OTHER_EVENTS, actors.slice(0, 500).map(() => randomUUID()), conversations.slice(0, 1000));
  await dataSource.query(`VACUUM ANALYZE audit_events`);
  const [{ size }] = await dataSource.query(`SELECT pg_size_pretty(pg_total_relation_size('audit_events')) AS size`);
  console.log(
    `${EVENTS.toLocaleString('en')} events in the organization queried, ${OTHER_EVENTS.toLocaleString('en')} in another; ` +
      `inserted in ${((Date.now() - started) / 1000).toFixed(0)} s; table and indexes: ${size}\n`,
  );

  const statements: Statement[] = [];
  const audit = new AuditService(recording(dataSource, statements), { settleOrganization: async () => [] }, createLogger({ logLevel: 'silent' }));
  const viewer: Viewer = {
    actorId: randomUUID(),
    organizationId,
    kind: 'MEMBER',
    role: 'OWNER',
    sessionId: randomUUID(),
    guestsEnabled: true,
    whoCanInvite: 'MEMBERS',
    guestAccess: new Map(),
  };
  const day = 24 * 3600 * 1000;
  const halfAYearAgo = new Date(Date.now() - 182 * day);
  const cases: Array<[string, AuditFilterInput]> = [
    ['no filter', {}],
    ['actions: one rare action (GUEST_REMOVED, 1 event in 2,000)', { actions: ['GUEST_REMOVED'] }],
    ['actions: three (GUEST_INVITED, GUEST_REMOVED, GUEST_REVOKED)', { actions: ['GUEST_INVITED', 'GUEST_REMOVED', 'GUEST_REVOKED'] }],
    ['actorId', { actorId: toGlobalId('User', actors[42]!) }],
    ['subjectId', { subjectId: toGlobalId('Guest', actors[1234]!) }],
    ['conversationId', { conversationId: toGlobalId('Conversation', conversations[7]!) }],
    ['since (the last 7 days)', { since: new Date(Date.now() - 7 * day) }],
    ['until (older than half a year)', { until: halfAYearAgo }],
    ['since + until (one day, half a year ago)', { since: new Date(halfAYearAgo.getTime() - day), until: halfAYearAgo }],
  ];
  for (const [label, filter] of cases) {
    statements.length = 0;
    const first = await audit.list(viewer, { first: 20, filter });
    await explain(dataSource, `${label}: first page`, statements);
    statements.length = 0;
    await audit.list(viewer, { first: 20, after: first.pageInfo.endCursor, filter });
    await explain(dataSource, `${label}: second page`, statements);
  }

  // totalCount is its own statement, run only when a client selects it: a count over the matching index
  // entries, so it grows with them (unlike the page). Shown for a selective filter and for everything.
  for (const [label, filter] of [
    ['actorId', { actorId: toGlobalId('User', actors[42]!) }],
    ['no filter', {}],
  ] as Array<[string, AuditFilterInput]>) {
    const page = await audit.list(viewer, { first: 20, filter });
    statements.length = 0;
    const count = await audit.count(viewer, page.query);
    await explain(dataSource, `totalCount, ${label}: ${count.toLocaleString('en')} events`, statements);
  }
}

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('Set DATABASE_URL to a PostgreSQL server (only the server is used: a scratch database is created on it).');
  const name = `sidedoor_audit_explain_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = createDatabase({ databaseUrl: url.toString(), dataDir: '' }, createLogger({ logLevel: 'silent' }));
  try {
    await openDatabase(database);
    await run(database.dataSource);
  } finally {
    await database.dataSource.destroy().catch(() => undefined);
    if (process.env.KEEP === '1') console.log(`kept database ${name}`);
    else await admin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
