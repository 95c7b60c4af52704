/**
 * `npm run bench` runs B1 to B5 (SPEC §9) against their baselines, and B6
 * (notification emails, SPEC §12), in one run on this machine and prints one
 * table; `npm run bench -- B3` runs one (or several: `-- B1 B2`). Settings (the bench's own, not Sidedoor's):
 * BENCH_DATABASE_URL (an admin connection; a fresh database is created and
 * dropped), BENCH_REDIS_URL, BENCH_HTTP_SECONDS (per round, default 12),
 * BENCH_HTTP_ROUNDS (B2's A/B/C rounds per viewer, default 2),
 * BENCH_FANOUT_SECONDS (comment posting, default 25), BENCH_CPU_PROF (a directory:
 * every server child writes a V8 CPU profile there when it stops),
 * BENCH_HEAP_SNAPSHOT (a directory: B4 writes heap snapshots of the servers there).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import type { BenchContext } from './context';
import { createBenchDatabase, dropBenchDatabase, generateOrganization, type OrgData } from './data';
import { benchFanout } from './fanout';
import { benchHttp, benchStatements } from './http';
import { benchMemory } from './memory';
import { benchNotificationEmails } from './notification-email';
import { describeMachine, machineName, saveResults, table, TRACKED_RESULTS, type BenchResult } from './report';

const BENCHES = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6'] as const;
type Bench = (typeof BENCHES)[number];

function seconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 1 || value > 600) throw new Error(`${name} must be a number of seconds from 1 to 600, got "${raw}"`);
  return value;
}

function count(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 100) throw new Error(`${name} must be a whole number from 1 to 100, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2).map((arg) => arg.toUpperCase());
  const unknown = asked.filter((arg) => !BENCHES.includes(arg as Bench));
  if (unknown.length) {
    console.error(`Unknown benchmark ${unknown.join(', ')}: choose from ${BENCHES.join(', ')} (none means all).`);
    process.exit(2);
  }
  const selected = new Set<Bench>(asked.length ? (asked as Bench[]) : BENCHES);
  const adminUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
  const started = performance.now();

  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect().catch((error: Error) => {
    throw new Error(`Redis at ${redisUrl} is unreachable (${error.message}): the fan-out benchmarks need it`);
  });
  const host = await describeMachine({
    postgres: async () => {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      try {
        return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
      } finally {
        await client.end();
      }
    },
    redis: async () => /^redis_version:(.+)$/m.exec(await redis.info('server'))?.[1]?.trim() ?? 'unknown',
  });
  await redis.quit();
  console.log(`Sidedoor benchmarks ${[...selected].join(' ')} on ${machineName(host)}`);

  const database = await createBenchDatabase(adminUrl);
  console.log(`database ${database.name} created and migrated`);
  const results: BenchResult[] = [];
  try {
    const sessionSecret = randomBytes(32).toString('base64url');
    const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
      const start = performance.now();
      const value = await work();
      console.log(`${label} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
      return value;
    };
    const base = await timed('data generated (1x)', () => generateOrganization(database.url, sessionSecret, 'Base', 1));
    let large: Promise<OrgData> | null = null;
    const context: BenchContext = {
      database,
      redisUrl,
      redisPrefix: `sidedoor-bench-${randomBytes(4).toString('hex')}:`,
      sessionSecret,
      base,
      large: () => (large ??= timed('data generated (10x)', () => generateOrganization(database.url, sessionSecret, 'Large', 10))),
      httpSeconds: seconds('BENCH_HTTP_SECONDS', 12),
      fanoutSeconds: seconds('BENCH_FANOUT_SECONDS', 25),
    };

    const runners: Record<Bench, () => Promise<BenchResult[]>> = {
      B1: async () => [await benchStatements(context)],
      B2: async () => [await benchHttp(context, { rounds: count('BENCH_HTTP_ROUNDS', 2) })],
      // B5 is observed while the fan-out runs: asking for either runs the fan-out once.
      B3: async () => benchFanout(context, { baseline: true, channels: selected.has('B5') }),
      B4: async () => [await benchMemory(context)],
      B5: async () => (selected.has('B3') ? [] : benchFanout(context, { baseline: false, channels: true, b3: false })),
      B6: async () => [await benchNotificationEmails(context)],
    };
    for (const bench of BENCHES) {
      if (!selected.has(bench)) continue;
      try {
        const loadBefore = loadavg()[0]!;
        const produced = await timed(bench, runners[bench]);
        // Other work on the machine skews every figure: say how busy it was.
        for (const result of produced) {
          result.notes.push(`1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after (${host.nproc} cores)`);
        }
        results.push(...produced);
      } catch (error) {
        // One benchmark failing must not cost the others' figures: it is reported in the table.
        console.error(`${bench} failed:`, error);
        results.push({
          bench,
          rows: [{ bench, metric: 'did not complete', sidedoor: (error instanceof Error ? error.message : String(error)).slice(0, 300), verdict: 'MISSED' }],
          notes: [],
        });
      }
    }
  } finally {
    await dropBenchDatabase(adminUrl, database.name);
    console.log(`database ${database.name} dropped`);
  }

  results.sort((a, b) => a.bench.localeCompare(b.bench));
  console.log('');
  console.log(table(results.flatMap((result) => result.rows)));
  console.log('');
  for (const result of results) for (const note of result.notes) console.log(`- ${result.bench}: ${note}`);
  const saved = saveResults(results, { host, complete: selected.size === BENCHES.length }, TRACKED_RESULTS);
  if (!saved.saved) console.log(`\nbench/RESULTS.md and bench/results.json left as they were: ${saved.reason}.`);
  const missed = results.flatMap((result) => result.rows).filter((row) => row.verdict === 'MISSED');
  console.log(`\n${missed.length ? `${missed.length} target(s) missed.` : 'Every target met.'} Total ${((performance.now() - started) / 1000).toFixed(0)} s. Latest figures: bench/RESULTS.md`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
