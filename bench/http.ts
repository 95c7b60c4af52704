/** B1 (SQL statements per request) and B2 (the conversation page over HTTP against a lean baseline). */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { toGlobalId } from '../src/ids';
import { expectData, post, startSidedoor, type BenchContext } from './context';
import type { OrgData } from './data';
import { cpuGroups, measureCpu, startChild, type Child, type CpuReport } from './proc';
import { CONVERSATION_LIST, CONVERSATION_PAGE } from './queries';
import { fixed, mean, ms, percentile, ratio, verdict, type BenchResult, type Row } from './report';

const MAX_STATEMENTS = 8;

/** Page sizes: the base page as SPEC §9 describes it; at 10x, every connection at its maximum (100). */
const pageVariables = (org: OrgData) =>
  org.scale === 1
    ? { id: toGlobalId('Conversation', org.mainConversationId), messages: 50, comments: 100 }
    : { id: toGlobalId('Conversation', org.mainConversationId), messages: 100, comments: 100 };
const listVariables = (org: OrgData) => (org.scale === 1 ? { first: 25, comments: 10 } : { first: 100, comments: 100 });

/** What the responses must contain, so a count is never taken on a short or failed answer. */
function checkPage(org: OrgData, data: any): void {
  const conversation = data.conversation;
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (actual !== expected) throw new Error(`B1 data check (${org.label}): ${what} is ${actual}, expected ${expected}`);
  };
  expect('messages.totalCount', conversation.messages.totalCount, 50 * org.scale);
  expect('comments.totalCount', conversation.comments.totalCount, 100 * org.scale);
  expect('comments returned', conversation.comments.edges.length, Math.min(100, 100 * org.scale));
  expect('guests', conversation.guests.length, 5 * org.scale);
  expect('assignees', conversation.assignees.length, 2);
  expect('tasks', conversation.tasks.length, 3 * org.scale);
}

function checkList(org: OrgData, data: any, variables: { first: number; comments: number }): void {
  const list = data.conversations;
  const expectedTotal = 25 * org.scale + 1;
  if (list.totalCount !== expectedTotal) throw new Error(`B1 data check (${org.label}): conversations.totalCount ${list.totalCount}, expected ${expectedTotal}`);
  if (list.nodes.length !== Math.min(variables.first, expectedTotal)) throw new Error(`B1 data check: ${list.nodes.length} conversations listed`);
  for (const node of list.nodes.slice(0, 25 * org.scale)) {
    if (node.comments.totalCount !== 10 * org.scale) throw new Error(`B1 data check: a listed conversation has ${node.comments.totalCount} comments`);
  }
}

/**
 * Statements one request costs, read from the server's counter around it
 * (five warm requests must agree), and how long a lone request takes.
 */
async function statementsPer(server: Child, run: () => Promise<void>): Promise<{ counts: number[]; milliseconds: number }> {
  await run(); // the first request of a kind may prepare things once
  const counts: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const before = (await server.stats()).statements!;
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
    counts.push((await server.stats()).statements! - before);
  }
  return { counts, milliseconds: percentile(times, 50) };
}

export async function benchStatements(context: BenchContext): Promise<BenchResult> {
  const large = await context.large();
  const server = await startSidedoor(context, 'sidedoor');
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    for (const org of [context.base, large]) {
      const size = org.scale === 1 ? '1x' : `${org.scale}x`;
      const page = pageVariables(org);
      const list = listVariables(org);
      const pageCounts = await statementsPer(server, async () => {
        checkPage(org, expectData('conversation page', await post(server.port, CONVERSATION_PAGE, page, org.ownerToken)));
      });
      const listCounts = await statementsPer(server, async () => {
        checkList(org, expectData('conversation list', await post(server.port, CONVERSATION_LIST, list, org.ownerToken)), list);
      });
      for (const [name, measured, shape] of [
        ['conversation page', pageCounts, `${50 * org.scale} messages, ${100 * org.scale} comments; first ${page.messages}/${page.comments}`],
        ['conversation list', listCounts, `${25 * org.scale} conversations with ${10 * org.scale} comments each, + the main one; first ${list.first}, comments ${list.comments}`],
      ] as const) {
        const worst = Math.max(...measured.counts);
        rows.push({
          bench: 'B1',
          metric: `SQL statements, ${name} (${size}: ${shape})`,
          sidedoor: new Set(measured.counts).size === 1 ? String(worst) : `${measured.counts.join('/')} (max ${worst})`,
          target: `<= ${MAX_STATEMENTS}`,
          verdict: verdict(worst <= MAX_STATEMENTS),
        });
        notes.push(`${name} at ${size}: a lone warm request takes ${ms(measured.milliseconds)} (median of 5)`);
      }
    }
    notes.push('statements counted by the server itself (app.database.statements.count, every query its DataSource sends, the session lookup included) around single warm requests');
  } finally {
    await server.stop();
  }
  return { bench: 'B1', rows, notes };
}

// ---- B2 -------------------------------------------------------------------

const CONNECTIONS = 32;
const WARMUP_SECONDS = 3;

interface Round {
  server: string;
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  cpu: CpuReport;
}

/** The first place two JSON values differ, for a message a person can act on. */
function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
    return `${path}: ${JSON.stringify(a)?.slice(0, 120)} vs ${JSON.stringify(b)?.slice(0, 120)}`;
  }
  if (a && typeof a === 'object') {
    const keysA = Object.keys(a);
    const keysB = Object.keys(b as object);
    if (keysA.join() !== keysB.join()) return `${path}: keys ${keysA.join(',')} vs ${keysB.join(',')}`;
    for (const key of keysA) {
      const difference = firstDifference((a as any)[key], (b as any)[key], `${path}.${key}`);
      if (difference) return difference;
    }
    return null;
  }
  return a === b ? null : `${path}: ${JSON.stringify(a)?.slice(0, 120)} vs ${JSON.stringify(b)?.slice(0, 120)}`;
}

/** Both servers must answer the page query with the same JSON, or the comparison means nothing. */
async function sameAnswer(sidedoor: Child, baseline: Child, variables: Record<string, unknown>, token: string): Promise<number> {
  const a = await post(sidedoor.port, CONVERSATION_PAGE, variables, token);
  const b = await post(baseline.port, CONVERSATION_PAGE, variables, token);
  expectData('Sidedoor conversation page', a);
  expectData('baseline conversation page', b);
  const difference = firstDifference(a.json, b.json);
  if (difference) throw new Error(`B2: the baseline does not return the same JSON as Sidedoor, first difference at ${difference}`);
  return JSON.stringify(a.json).length;
}

async function load(server: Child, body: string, token: string, seconds: number) {
  return autocannon({
    url: `http://127.0.0.1:${server.port}/graphql`,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body,
  });
}

export async function benchHttp(context: BenchContext): Promise<BenchResult> {
  const org = context.base;
  const variables = pageVariables(org);
  const body = JSON.stringify({ query: CONVERSATION_PAGE, variables });
  const sidedoor = await startSidedoor(context, 'sidedoor');
  const baseline = await startChild('baseline', 'baseline-http', { DATABASE_URL: context.database.url, SESSION_SECRET: context.sessionSecret, NODE_ENV: 'production' });
  const rounds: Round[] = [];
  try {
    const bytes = await sameAnswer(sidedoor, baseline, variables, org.ownerToken);
    for (const server of [sidedoor, baseline]) await load(server, body, org.ownerToken, WARMUP_SECONDS);
    // A/B/A/B: drift on a shared machine (other work, PostgreSQL's caches) spreads over both.
    for (const server of [sidedoor, baseline, sidedoor, baseline]) {
      const stop = measureCpu(cpuGroups([server], context.database.name));
      const result = await load(server, body, org.ownerToken, context.httpSeconds);
      const cpu = stop();
      rounds.push({
        server: server.name,
        requests: result.requests.total,
        requestsPerSecond: result.requests.total / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
        cpu,
      });
    }
    // The same answer after the load as before it: nothing degraded into errors under load.
    await sameAnswer(sidedoor, baseline, variables, org.ownerToken);

    const of = (name: string) => rounds.filter((round) => round.server === name);
    const summary = (name: string) => ({
      rps: mean(of(name).map((round) => round.requestsPerSecond)),
      p50: mean(of(name).map((round) => round.p50)),
      p99: mean(of(name).map((round) => round.p99)),
    });
    // CPU per request holds still when other work on the machine moves requests/s around.
    const cpuPerRequest = (name: string, group: string) => {
      const seconds = of(name).reduce((sum, round) => sum + (round.cpu.percent[group]! / 100) * round.cpu.wallSeconds, 0);
      return (1000 * seconds) / of(name).reduce((sum, round) => sum + round.requests, 0);
    };
    const a = summary('sidedoor');
    const b = summary('baseline');
    const serverCpu = [cpuPerRequest('sidedoor', 'sidedoor'), cpuPerRequest('baseline', 'baseline')] as const;
    const databaseCpu = [cpuPerRequest('sidedoor', 'postgres'), cpuPerRequest('baseline', 'postgres')] as const;
    const failures = rounds.reduce((sum, round) => sum + round.errors + round.non2xx, 0);
    const rows: Row[] = [
      {
        bench: 'B2',
        metric: `conversation page, HTTP, ${CONNECTIONS} connections: requests/s`,
        sidedoor: fixed(a.rps, 0),
        baseline: fixed(b.rps, 0),
        ratio: ratio(a.rps, b.rps),
        target: '>= 0.5x',
        verdict: verdict(a.rps >= 0.5 * b.rps && failures === 0),
      },
      { bench: 'B2', metric: 'latency p50', sidedoor: ms(a.p50), baseline: ms(b.p50), ratio: ratio(a.p50, b.p50) },
      { bench: 'B2', metric: 'latency p99', sidedoor: ms(a.p99), baseline: ms(b.p99), ratio: ratio(a.p99, b.p99), target: '<= 2x', verdict: verdict(a.p99 <= 2 * b.p99) },
      { bench: 'B2', metric: 'server CPU per request', sidedoor: ms(serverCpu[0]), baseline: ms(serverCpu[1]), ratio: ratio(serverCpu[0], serverCpu[1]) },
      { bench: 'B2', metric: 'PostgreSQL CPU per request', sidedoor: ms(databaseCpu[0]), baseline: ms(databaseCpu[1]), ratio: ratio(databaseCpu[0], databaseCpu[1]) },
    ];
    const notes = [
      `response ${(bytes / 1024).toFixed(1)} KB of JSON, identical from both servers (checked before and after the load); ${WARMUP_SECONDS} s warm-up each, then ${context.httpSeconds} s rounds A/B/A/B; ${failures} errors or non-2xx`,
      ...rounds.map(
        (round, i) =>
          `round ${i + 1} ${round.server}: ${fixed(round.requestsPerSecond, 0)} req/s, p50 ${ms(round.p50)}, p99 ${ms(round.p99)}; CPU (% of one core) ${cpuSummary(round.cpu)}`,
      ),
      ...saturation(rounds.map((round) => round.cpu)),
    ];
    return { bench: 'B2', rows, notes };
  } finally {
    await Promise.all([sidedoor.stop(), baseline.stop()]);
  }
}

/** Each group's share of one core, and what the rest of the machine (other people's work) took meanwhile. */
export function cpuSummary(cpu: CpuReport): string {
  const ours = Object.values(cpu.percent).reduce((sum, percent) => sum + percent, 0);
  const others = Math.max(0, (cpu.machine * cpus().length) - ours);
  return `${Object.entries(cpu.percent)
    .map(([name, percent]) => `${name} ${fixed(percent, 0)}`)
    .join(', ')}, other processes ${fixed(others, 0)}; machine ${fixed(cpu.machine, 0)}% busy`;
}

/** A load generator near 100% of a core, or a machine near fully busy, makes the figures a floor, not the servers' ceiling. */
export function saturation(reports: CpuReport[], loadGenerator = 'load generator'): string[] {
  const notes: string[] = [];
  const worst = Math.max(...reports.map((report) => report.percent[loadGenerator] ?? 0));
  if (worst >= 90) notes.push(`WARNING: the load generator saturated a core (up to ${fixed(worst, 0)}% of one core): the figures are bounded by it`);
  else notes.push(`the load generator used at most ${fixed(worst, 0)}% of one core: not saturated`);
  const machineBusy = Math.max(...reports.map((report) => report.machine));
  if (machineBusy >= 90) notes.push(`the machine was ${fixed(machineBusy, 0)}% busy: servers, PostgreSQL and the load generator share ${reports.length ? 'its' : 'the'} cores, so both sides are CPU-bound together`);
  return notes;
}
