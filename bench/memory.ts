/**
 * B4: memory per idle subscribed websocket, at 1,000 and 5,000 connections,
 * against a plain `ws` server holding the same sockets and subscribe messages.
 * Each figure is the growth of the server's RSS and V8 heap (after two forced
 * collections) from a warm start with a few connections, divided by the
 * connections added.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { toGlobalId } from '../src/ids';
import { expectData, post, startSidedoor, type BenchContext } from './context';
import { createSessions } from './data';
import { startChild, type Child, type ChildStats } from './proc';
import { COMMENT_ADDED, POST_COMMENT } from './queries';
import { kb, ratio, verdict, type BenchResult, type Row } from './report';
import { inBatches, SubscriberSocket } from './ws-client';

const WARM = 20;
const STEPS = [1000, 5000];
const LIMIT_BYTES = 50 * 1024;

/** The hard limit on open files: the load generator holds every client socket, each server its half. */
function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('Max open files'));
  return Number(line?.trim().split(/\s+/)[3]) || 1024;
}

interface Measured {
  at: number;
  rss: number;
  heapUsed: number;
}

async function settledStats(server: Child): Promise<ChildStats> {
  // Let handshakes and subscriptions finish, then collect twice.
  await sleep(1500);
  return server.stats({ gc: true });
}

async function measure(
  server: Child,
  tokens: string[],
  conversationId: string,
  onDelivery: (label: string) => void,
): Promise<{ points: Measured[]; sockets: SubscriberSocket[] }> {
  const url = `ws://127.0.0.1:${server.port}/graphql`;
  const sockets: SubscriberSocket[] = [];
  const points: Measured[] = [];
  const open = async (count: number) => {
    const fresh = tokens.slice(sockets.length, count).map(
      (token) =>
        new SubscriberSocket(url, token, ({ message }) => {
          const body = message.payload?.data?.commentAdded?.body;
          if (message.type === 'next' && typeof body === 'string') onDelivery(body);
        }),
    );
    sockets.push(...fresh);
    await inBatches(fresh, 100, async (socket) => {
      await socket.open();
      socket.subscribe('1', COMMENT_ADDED, { conversationId });
    });
  };
  for (const count of [WARM, ...STEPS]) {
    await open(count);
    const stats = await settledStats(server);
    points.push({ at: count, rss: stats.rss, heapUsed: stats.heapUsed });
    // BENCH_HEAP_SNAPSHOT=<dir>: a heap snapshot at each step, to see what a connection holds.
    if (process.env.BENCH_HEAP_SNAPSHOT) await server.heapSnapshot(`${process.env.BENCH_HEAP_SNAPSHOT}/${server.name}-${count}.heapsnapshot`);
  }
  return { points, sockets };
}

export async function benchMemory(context: BenchContext): Promise<BenchResult> {
  const org = context.base;
  const conversationId = toGlobalId('Conversation', org.mainConversationId);
  const most = STEPS.at(-1)!;
  const limit = openFileLimit();
  if (limit < most + 1000) {
    throw new Error(`B4 needs ${most + 1000} open files in this process, the hard limit is ${limit}: raise it (ulimit -Hn) and run again`);
  }
  const tokens = await createSessions(context.database.url, context.sessionSecret, [...org.members, ...org.guests], most);
  const notes: string[] = [
    `open files: Node raises its soft limit to the hard limit (${limit}) at start, in this process (${most} client sockets) and in each server (${most} server sockets); nothing else to raise`,
  ];

  // Sidedoor, with Redis as in production.
  // Thousands of sessions of 15 people: each actor holds hundreds of subscriptions, over the per-actor budget of production.
  const sidedoor = await startSidedoor(context, 'sidedoor', { WS_MAX_SUBSCRIPTION_COST_PER_ACTOR: '100000000' });
  let sidedoorPoints: Measured[];
  try {
    let delivered = 0;
    const { points, sockets } = await measure(sidedoor, tokens, conversationId, (body) => {
      if (body.includes('#memory-check#')) delivered++;
    });
    sidedoorPoints = points;
    // Idle, but truly subscribed: one comment reaches every one of them.
    expectData(
      'postComment',
      await post(sidedoor.port, POST_COMMENT, { input: { conversationId, body: 'Checking everyone is listening #memory-check#' } }, org.ownerToken),
    );
    const deadline = Date.now() + 20_000;
    while (delivered < sockets.length && Date.now() < deadline) await sleep(50);
    notes.push(`after measuring, one comment reached ${delivered} of ${sockets.length} Sidedoor subscribers (they were subscribed, not just connected)`);
    if (delivered < sockets.length) notes.push('WARNING: some Sidedoor sockets measured were not subscribed');
    await Promise.all(sockets.map((socket) => socket.close()));
  } finally {
    await sidedoor.stop();
  }

  const plain = await startChild('ws', 'baseline-ws', {});
  let plainPoints: Measured[];
  try {
    const { points, sockets } = await measure(plain, tokens, conversationId, () => undefined);
    plainPoints = points;
    const stats = await plain.stats();
    if (stats.sockets !== most) notes.push(`WARNING: the plain ws server held ${String(stats.sockets)} sockets, not ${most}`);
    await Promise.all(sockets.map((socket) => socket.close()));
  } finally {
    await plain.stop();
  }

  const perConnection = (points: Measured[], at: number, key: 'rss' | 'heapUsed') => {
    const start = points[0]!;
    const end = points.find((point) => point.at === at)!;
    return (end[key] - start[key]) / (end.at - start.at);
  };
  const rows: Row[] = [];
  for (const at of STEPS) {
    const rssA = perConnection(sidedoorPoints, at, 'rss');
    const rssB = perConnection(plainPoints, at, 'rss');
    const heapA = perConnection(sidedoorPoints, at, 'heapUsed');
    const heapB = perConnection(plainPoints, at, 'heapUsed');
    rows.push(
      {
        bench: 'B4',
        metric: `RSS per idle subscribed socket, ${at.toLocaleString('en')} sockets`,
        sidedoor: kb(rssA),
        baseline: kb(rssB),
        ratio: ratio(rssA, rssB),
        target: '<= 2x and < 50 KB',
        verdict: verdict(rssA <= 2 * rssB && rssA < LIMIT_BYTES),
      },
      {
        bench: 'B4',
        metric: `V8 heap per idle subscribed socket, ${at.toLocaleString('en')} sockets`,
        sidedoor: kb(heapA),
        baseline: kb(heapB),
        ratio: ratio(heapA, heapB),
        target: '<= 2x and < 50 KB',
        verdict: verdict(heapA <= 2 * heapB && heapA < LIMIT_BYTES),
      },
    );
  }
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  notes.push(
    `growth from ${WARM} warm connections; Sidedoor RSS ${sidedoorPoints.map((p) => `${p.at}: ${mb(p.rss)}`).join(', ')}; heap ${sidedoorPoints.map((p) => `${p.at}: ${mb(p.heapUsed)}`).join(', ')}`,
    `plain ws RSS ${plainPoints.map((p) => `${p.at}: ${mb(p.rss)}`).join(', ')}; heap ${plainPoints.map((p) => `${p.at}: ${mb(p.heapUsed)}`).join(', ')}`,
  );
  return { bench: 'B4', rows, notes };
}
