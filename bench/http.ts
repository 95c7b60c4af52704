/** B1 (SQL statements per request) and B2 (the conversation page over HTTP, for a member and a guest, against two hand-written baselines). */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { toGlobalId } from '../src/ids';
import { expectData, post, startSidedoor, type BenchContext } from './context';
import type { BaselineAuth } from './baseline-http';
import { createSessions, type OrgData } from './data';
import { cpuGroups, cpuSeconds, measureCpu, postgresBackendsOf, startChild, type Child, type CpuReport } from './proc';
import { CONVERSATION_LIST, CONVERSATION_PAGE } from './queries';
import { fixed, mean, ms, percentile, ratio, verdict, type BenchResult, type Row } from './report';

/** Issue 16: the page in at most 4 statements and the list in at most 4, at 1x and at 10x. */
const MAX_STATEMENTS = 4;

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
/** Issue 16's targets, against the plain baseline: requests/s at least this share of its, p99 at most this multiple of its. */
const MIN_REQUESTS_RATIO = 0.9;
const MAX_P99_RATIO = 1.5;

/** Whose page is measured: a member (the owner), and a guest invited into the conversation. */
type ViewerCase = 'member' | 'guest';
const VIEWER_CASES: readonly ViewerCase[] = ['member', 'guest'];

/** The members-only fields of the page query, where a guest gets null + FORBIDDEN (paths without list indexes). */
const GUEST_FORBIDDEN_PATHS = [
  'conversation.labels',
  'conversation.allowGuests',
  'conversation.team',
  'conversation.assignees',
  'conversation.messages.edges.node.bcc',
];

/** The three servers of each round, in the order they are measured, and how the table names the baselines. */
const SERVERS = ['sidedoor', 'baseline', 'baseline-rules'] as const;
type ServerName = (typeof SERVERS)[number];
const BASELINE_AUTH: Record<Exclude<ServerName, 'sidedoor'>, BaselineAuth> = { baseline: 'plain', 'baseline-rules': 'rules' };

interface Round {
  server: ServerName;
  viewer: ViewerCase;
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

/** Where two texts first differ, with a little of each around it. */
function firstByteDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `${i}: ${JSON.stringify(a.slice(Math.max(0, i - 40), i + 40))} vs ${JSON.stringify(b.slice(Math.max(0, i - 40), i + 40))}`;
}

/**
 * What Sidedoor must answer before anything is compared: the whole page for
 * a member; for a guest the same page with null + FORBIDDEN at exactly the
 * members-only paths. Returns the number of errors.
 */
function checkViewerPage(org: OrgData, viewer: ViewerCase, response: { status: number; text: string; json: any }): number {
  if (viewer === 'member') {
    checkPage(org, expectData('B2 member page', response));
    return 0;
  }
  const { data, errors } = response.json ?? {};
  if (response.status !== 200 || !data?.conversation || !Array.isArray(errors)) throw new Error(`B2 guest page: HTTP ${response.status} ${response.text.slice(0, 600)}`);
  const codes = new Set(errors.map((error: any) => error.extensions?.code));
  const paths = [...new Set(errors.map((error: any) => error.path.filter((key: unknown) => typeof key === 'string').join('.')))].sort();
  if (codes.size !== 1 || !codes.has('FORBIDDEN') || paths.join() !== [...GUEST_FORBIDDEN_PATHS].sort().join()) {
    throw new Error(`B2 guest page: expected FORBIDDEN at ${GUEST_FORBIDDEN_PATHS.join(', ')}; got ${[...codes].join(', ')} at ${paths.join(', ')}`);
  }
  const bcc = errors.filter((error: any) => error.path.at(-1) === 'bcc').length;
  if (bcc !== data.conversation.messages.edges.length) throw new Error(`B2 guest page: ${bcc} bcc errors for ${data.conversation.messages.edges.length} messages`);
  return errors.length;
}

/**
 * Every server must answer the page with the same bytes as Sidedoor, or the
 * comparison means nothing. The responses hold no per-request value (no
 * request id in these errors), so nothing is normalized.
 */
async function sameAnswer(servers: Record<ServerName, Child>, org: OrgData, viewer: ViewerCase, variables: Record<string, unknown>, token: string) {
  const reference = await post(servers.sidedoor.port, CONVERSATION_PAGE, variables, token);
  const errors = checkViewerPage(org, viewer, reference);
  for (const name of SERVERS.slice(1)) {
    const other = await post(servers[name].port, CONVERSATION_PAGE, variables, token);
    if (other.text === reference.text) continue;
    const difference = firstDifference(reference.json, other.json) ?? `byte ${firstByteDifference(reference.text, other.text)} (the same JSON values in other bytes)`;
    throw new Error(`B2 (${viewer}): ${name} does not answer the same JSON as Sidedoor, first difference at ${difference}`);
  }
  return { bytes: Buffer.byteLength(reference.text), errors };
}

/** How long `settle` watches at a time, the CPU share under which a server counts as idle, and how long it waits at most. */
const SETTLE_INTERVAL_MS = 250;
const IDLE_CPU_SHARE = 0.05;
const SETTLE_LIMIT_MS = 10_000;

/**
 * Waits until a server that was just under load has finished the requests
 * still queued in it and its SQL (the load generator stops sending, the
 * server and PostgreSQL go on working): otherwise the next server measured
 * shares the machine with that work, and always the same one, since the order
 * of a round is fixed.
 */
async function settle(server: Child, database: string): Promise<void> {
  const reading = () => new Map([server.pid, ...postgresBackendsOf(database)].map((pid) => [pid, cpuSeconds(pid)]));
  const deadline = performance.now() + SETTLE_LIMIT_MS;
  let before = reading();
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_INTERVAL_MS));
    const now = reading();
    // Processes that started or ended meanwhile count from what each reading saw of them.
    let used = 0;
    for (const [pid, seconds] of now) if (seconds !== null) used += seconds - (before.get(pid) ?? seconds);
    if (used < (IDLE_CPU_SHARE * SETTLE_INTERVAL_MS) / 1000) return;
    before = now;
  }
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

/**
 * B2: the conversation page over HTTP for a member and for a guest, on
 * Sidedoor, the plain baseline and the baseline with Sidedoor's authorization
 * rules (bench/baseline-http.ts), in `rounds` rounds of A/B/C per viewer, so
 * drift on a shared machine (other work, PostgreSQL's caches) spreads over
 * all three. Targets are against the plain baseline; the one with our rules
 * is shown so the cost of the rules is visible on its own.
 */
export async function benchHttp(context: BenchContext, options: { rounds: number }): Promise<BenchResult> {
  const org = context.base;
  const variables = pageVariables(org);
  const body = JSON.stringify({ query: CONVERSATION_PAGE, variables });
  // Before the plain baseline starts: it reads the live sessions once, when it starts.
  const [guestToken] = await createSessions(context.database.url, context.sessionSecret, [org.guests[0]!], 1);
  const tokens: Record<ViewerCase, string> = { member: org.ownerToken, guest: guestToken! };
  const baseline = (name: keyof typeof BASELINE_AUTH) =>
    startChild(name, 'baseline-http', {
      DATABASE_URL: context.database.url,
      SESSION_SECRET: context.sessionSecret,
      NODE_ENV: 'production',
      BASELINE_AUTH: BASELINE_AUTH[name],
    });
  const started = await Promise.allSettled([startSidedoor(context, 'sidedoor'), baseline('baseline'), baseline('baseline-rules')]);
  const children = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const rounds: Round[] = [];
  try {
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const servers = Object.fromEntries(children.map((child) => [child.name, child])) as Record<ServerName, Child>;
    const answers = {} as Record<ViewerCase, { bytes: number; errors: number }>;
    const statements = {} as Record<ViewerCase, Record<ServerName, number[]>>;
    for (const viewer of VIEWER_CASES) {
      answers[viewer] = await sameAnswer(servers, org, viewer, variables, tokens[viewer]);
      statements[viewer] = {} as Record<ServerName, number[]>;
      for (const name of SERVERS) {
        statements[viewer][name] = (await statementsPer(servers[name], async () => void (await post(servers[name].port, CONVERSATION_PAGE, variables, tokens[viewer])))).counts;
        await load(servers[name], body, tokens[viewer], WARMUP_SECONDS);
        await settle(servers[name], context.database.name);
      }
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const viewer of VIEWER_CASES) {
        for (const name of SERVERS) {
          const server = servers[name];
          const stop = measureCpu(cpuGroups([server], context.database.name));
          const result = await load(server, body, tokens[viewer], context.httpSeconds);
          const cpu = stop();
          await settle(server, context.database.name);
          rounds.push({
            server: name,
            viewer,
            requests: result.requests.total,
            requestsPerSecond: result.requests.total / result.duration,
            p50: result.latency.p50,
            p99: result.latency.p99,
            errors: result.errors + result.timeouts,
            non2xx: result.non2xx,
            cpu,
          });
        }
      }
    }
    // The same answers after the load as before it: nothing degraded into errors under load.
    for (const viewer of VIEWER_CASES) await sameAnswer(servers, org, viewer, variables, tokens[viewer]);

    const rows: Row[] = VIEWER_CASES.flatMap((viewer) => viewerRows(viewer, rounds));
    const notes = [
      `each server answers the same bytes as Sidedoor (checked before and after the load): the member's page ${(answers.member.bytes / 1024).toFixed(1)} KB, ` +
        `the guest's ${(answers.guest.bytes / 1024).toFixed(1)} KB with ${answers.guest.errors} FORBIDDEN errors (${GUEST_FORBIDDEN_PATHS.join(', ')}); nothing normalized: no per-request value in them`,
      'baselines (bench/baseline-http.ts): node:http + graphql-js + hand-written pg. "plain" knows its sessions from a read at start-up and reads the conversation by id; ' +
        '"with our rules" verifies the session in the database per request as Sidedoor does, checks the conversation is readable by the viewer (organization; guest: live, unexpired access to a thread), ' +
        'and both answer a guest null + FORBIDDEN at every @membersOnly field',
      ...VIEWER_CASES.map(
        (viewer) => `SQL statements per ${viewer} page: ${SERVERS.map((name) => `${SERVER_LABELS[name]} ${[...new Set(statements[viewer][name])].join('/')}`).join(', ')}`,
      ),
      `${WARMUP_SECONDS} s warm-up per server and viewer, then ${options.rounds} round(s) of ${context.httpSeconds} s, A/B/C per viewer (A Sidedoor, B plain baseline, C baseline with our rules), ` +
        `each server left to finish its queued requests before the next starts; ` +
        `${rounds.reduce((sum, round) => sum + round.errors + round.non2xx, 0)} errors or non-2xx`,
      ...rounds.map(
        (round) =>
          `round ${Math.floor(rounds.indexOf(round) / (SERVERS.length * VIEWER_CASES.length)) + 1} ${round.viewer} ${SERVER_LABELS[round.server]}: ${fixed(round.requestsPerSecond, 0)} req/s, ` +
          `p50 ${ms(round.p50)}, p99 ${ms(round.p99)}${round.errors + round.non2xx ? `, ${round.errors} errors and ${round.non2xx} non-2xx` : ''}; CPU (% of one core) ${cpuSummary(round.cpu)}`,
      ),
      ...saturation(rounds.map((round) => round.cpu)),
    ];
    return { bench: 'B2', rows, notes };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}

const SERVER_LABELS: Record<ServerName, string> = { sidedoor: 'Sidedoor', baseline: 'plain baseline', 'baseline-rules': 'baseline with our rules' };

/** One viewer's rows: the targets against the plain baseline, then the baseline with our rules for comparison. */
function viewerRows(viewer: ViewerCase, rounds: readonly Round[]): Row[] {
  const of = (name: ServerName) => rounds.filter((round) => round.server === name && round.viewer === viewer);
  const summary = (name: ServerName) => ({
    rps: mean(of(name).map((round) => round.requestsPerSecond)),
    p50: mean(of(name).map((round) => round.p50)),
    p99: mean(of(name).map((round) => round.p99)),
  });
  // CPU per request holds still when other work on the machine moves requests/s around.
  const cpuPerRequest = (name: ServerName, group: string) => {
    const seconds = of(name).reduce((sum, round) => sum + (round.cpu.percent[group]! / 100) * round.cpu.wallSeconds, 0);
    return (1000 * seconds) / of(name).reduce((sum, round) => sum + round.requests, 0);
  };
  const [a, b, c] = SERVERS.map(summary) as [ReturnType<typeof summary>, ReturnType<typeof summary>, ReturnType<typeof summary>];
  const [serverA, serverB, serverC] = SERVERS.map((name) => cpuPerRequest(name, name)) as [number, number, number];
  const [databaseA, databaseB, databaseC] = SERVERS.map((name) => cpuPerRequest(name, 'postgres')) as [number, number, number];
  // A server that failed requests answered something cheaper than the page: the comparison does not hold.
  const failures = rounds.filter((round) => round.viewer === viewer).reduce((sum, round) => sum + round.errors + round.non2xx, 0);
  const page = `conversation page, ${viewer}`;
  const rules = `${viewer}, vs the baseline with our rules`;
  return [
    {
      bench: 'B2',
      metric: `${page}, HTTP, ${CONNECTIONS} connections: requests/s`,
      sidedoor: fixed(a.rps, 0),
      baseline: fixed(b.rps, 0),
      ratio: ratio(a.rps, b.rps),
      target: `>= ${MIN_REQUESTS_RATIO}x`,
      verdict: verdict(a.rps >= MIN_REQUESTS_RATIO * b.rps && failures === 0),
    },
    { bench: 'B2', metric: `${viewer}: latency p50`, sidedoor: ms(a.p50), baseline: ms(b.p50), ratio: ratio(a.p50, b.p50) },
    {
      bench: 'B2',
      metric: `${viewer}: latency p99`,
      sidedoor: ms(a.p99),
      baseline: ms(b.p99),
      ratio: ratio(a.p99, b.p99),
      target: `<= ${MAX_P99_RATIO}x`,
      verdict: verdict(a.p99 <= MAX_P99_RATIO * b.p99),
    },
    { bench: 'B2', metric: `${viewer}: server CPU per request`, sidedoor: ms(serverA), baseline: ms(serverB), ratio: ratio(serverA, serverB) },
    { bench: 'B2', metric: `${viewer}: PostgreSQL CPU per request`, sidedoor: ms(databaseA), baseline: ms(databaseB), ratio: ratio(databaseA, databaseB) },
    { bench: 'B2', metric: `${rules}: requests/s`, sidedoor: fixed(a.rps, 0), baseline: fixed(c.rps, 0), ratio: ratio(a.rps, c.rps) },
    { bench: 'B2', metric: `${rules}: latency p99`, sidedoor: ms(a.p99), baseline: ms(c.p99), ratio: ratio(a.p99, c.p99) },
    {
      bench: 'B2',
      metric: `${rules}: server + PostgreSQL CPU per request`,
      sidedoor: ms(serverA + databaseA),
      baseline: ms(serverC + databaseC),
      ratio: ratio(serverA + databaseA, serverC + databaseC),
    },
  ];
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
