/**
 * B3: one conversation, 1,000 and then 10,000 graphql-ws subscribers over 2
 * Sidedoor instances sharing Redis, comments posted at 10/s; every
 * delivery's latency from the comment's commit (each instance reports its
 * commits: src/realtime/observability.ts), and anything lost, against raw
 * ioredis SUBSCRIBE -> ws.send of the same JSON (from its PUBLISH). The
 * subscribers live in client processes of their own (bench/fanout-clients.ts),
 * at most SUBSCRIBERS_PER_CLIENT each. B5: the Redis channels in use, sampled
 * while the first B3 run posts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { parseGlobalId, toGlobalId } from '../src/ids';
import { expectData, post, startSidedoor, type BenchContext } from './context';
import { createSessions } from './data';
import { BUCKETS_PER_MS, marker, type ClientReport } from './fanout-report';
import { cpuSummary, saturation } from './http';
import { cpuGroups, measureCpu, startChild, type Child, type CpuReport } from './proc';
import { COMMENT_ADDED, POST_COMMENT } from './queries';
import { fixed, ms, percentile, ratio, verdict, type BenchResult, type Row } from './report';

/** Each run: how many subscribers, and the p99 target from the commit (issue 16). */
const RUNS = [
  { subscribers: 1000, p99TargetMs: 100 },
  { subscribers: 10_000, p99TargetMs: 250 },
];
const INSTANCES = 2;
const RATE_PER_SECOND = 10;
/** Subscribers per client process: about what one core parses at 10 comments/s with room to spare. */
const SUBSCRIBERS_PER_CLIENT = 2500;

/** Now, in ms since the epoch: the clock the servers' commit times and the clients' arrival times share. */
const now = () => performance.timeOrigin + performance.now();

/** The subscribers of one run, spread over client processes. */
class Subscribers {
  private constructor(readonly clients: Child[]) {}

  static async connect(name: string, urls: string[], tokens: string[], conversationId: string): Promise<Subscribers> {
    const clients: Child[] = [];
    for (let first = 0; first < tokens.length; first += SUBSCRIBERS_PER_CLIENT) {
      clients.push(await startChild(`${name}-clients-${clients.length + 1}`, 'fanout-clients', {}));
    }
    const subscribers = new Subscribers(clients);
    await Promise.all(
      clients.map((client, i) => {
        const first = i * SUBSCRIBERS_PER_CLIENT;
        return client.ask('connect', { urls, tokens: tokens.slice(first, first + SUBSCRIBERS_PER_CLIENT), first, query: COMMENT_ADDED, variables: { conversationId } });
      }),
    );
    return subscribers;
  }

  /** How many subscribers have not received every one of `labels`. */
  async missing(labels: string[]): Promise<number> {
    const counts: number[] = await Promise.all(this.clients.map((client) => client.ask('missing', { labels })));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /** Waits until every subscriber has every label, or `timeoutMs` passed; returns how many still miss some. */
  async waitFor(labels: string[], timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const missing = await this.missing(labels);
      if (missing === 0 || performance.now() > deadline) return missing;
      await sleep(100);
    }
  }

  reports(committedAt: Map<string, number>): Promise<ClientReport[]> {
    return Promise.all(this.clients.map((client) => client.ask('report', { committedAt: Object.fromEntries(committedAt) })));
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map(async (client) => client.ask('close').catch(() => undefined)));
    await Promise.all(this.clients.map((client) => client.stop()));
  }
}

/**
 * Subscriptions become live asynchronously (the instance subscribes to Redis):
 * warm-up messages are sent until one reaches every subscriber, so the
 * measured window starts with everyone listening.
 */
async function warmUp(subscribers: Subscribers, total: number, send: (label: string) => Promise<void>): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const label = `warm-${attempt}`;
    await send(label);
    const missing = await subscribers.waitFor([label], 10_000);
    if (missing === 0) return;
    if (attempt === 5) throw new Error(`B3: ${missing} of ${total} subscribers still hear nothing after 5 warm-up comments`);
  }
}

/** Sends `count` messages at RATE_PER_SECOND on a fixed schedule (a slow one never delays the next). */
async function paced(count: number, send: (label: string) => Promise<void>): Promise<void> {
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let n = 1; n <= count; n++) {
    const due = start + ((n - 1) * 1000) / RATE_PER_SECOND;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(send(String(n)));
  }
  await Promise.all(inFlight);
}

interface Outcome {
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** Subscribers whose order differs from the first one's. */
  reordered: number;
  /** Latency from the commit (Sidedoor) or the PUBLISH (baseline), as [ms bucket, deliveries]. */
  histogram: Map<number, number>;
  unexpected: string[];
  closedEarly: number;
  firstClose: ClientReport['firstClose'];
  sample: ClientReport['sample'];
}

function merge(reports: ClientReport[], measured: number, subscribers: number): Outcome {
  const histogram = new Map<number, number>();
  const order = reports[0]?.order.join() ?? '';
  let delivered = 0;
  let duplicates = 0;
  let reordered = 0;
  for (const report of reports) {
    delivered += report.delivered;
    duplicates += report.duplicates;
    // A process whose first subscriber saw another order than the first process's counts all of its own.
    reordered += report.order.join() === order ? report.reordered : report.subscribers;
    for (const [bucket, count] of report.histogram) histogram.set(bucket, (histogram.get(bucket) ?? 0) + count);
  }
  const expected = measured * subscribers;
  return {
    expected,
    delivered,
    lost: expected - delivered,
    duplicates,
    reordered,
    histogram,
    unexpected: reports.flatMap((report) => report.unexpected),
    closedEarly: reports.reduce((sum, report) => sum + report.closedEarly, 0),
    firstClose: reports.find((report) => report.firstClose)?.firstClose ?? null,
    sample: reports.find((report) => report.sample)?.sample ?? null,
  };
}

/** The p-th percentile of a histogram, in ms. */
function histogramPercentile(histogram: Map<number, number>, p: number): number {
  const buckets = [...histogram].sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return NaN;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const [bucket, count] of buckets) {
    seen += count;
    if (seen >= rank) return bucket / BUCKETS_PER_MS;
  }
  return buckets.at(-1)![0] / BUCKETS_PER_MS;
}

interface ChannelSample {
  at: number;
  channels: Record<string, number>;
}

/** PUBSUB CHANNELS / NUMSUB under this run's prefix, every `everyMs`, until stopped. */
function sampleChannels(redisUrl: string, prefix: string, everyMs: number) {
  const redis = new Redis(redisUrl);
  const samples: ChannelSample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const names = (await redis.call('PUBSUB', 'CHANNELS', `${prefix}*`)) as string[];
      const counts = names.length ? ((await redis.call('PUBSUB', 'NUMSUB', ...names)) as Array<string | number>) : [];
      const channels: Record<string, number> = {};
      for (let i = 0; i < counts.length; i += 2) channels[String(counts[i]).slice(prefix.length)] = Number(counts[i + 1]);
      samples.push({ at: performance.now(), channels });
      await sleep(everyMs);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    await redis.quit();
    return samples;
  };
}

const lostText = (o: Outcome) => `${o.delivered}/${o.expected} (lost ${o.lost}, duplicates ${o.duplicates}, out of order ${o.reordered})`;
const exact = (o: Outcome) => o.lost === 0 && o.duplicates === 0 && o.reordered === 0;

export async function benchFanout(context: BenchContext, options: { baseline: boolean; channels: boolean; b3?: boolean }): Promise<BenchResult[]> {
  const org = context.base;
  // B5 alone: one short run of the first size.
  const runs = options.b3 === false ? RUNS.slice(0, 1) : RUNS;
  const seconds = options.b3 === false ? Math.min(10, context.fanoutSeconds) : context.fanoutSeconds;
  // Everyone present subscribes: members and guests, each connection its own session (tabs, devices).
  const tokens = await createSessions(context.database.url, context.sessionSecret, [...org.members, ...org.guests], Math.max(...runs.map((run) => run.subscribers)));
  const results: BenchResult[] = [];
  let channelSamples: ChannelSample[] = [];
  for (const [index, run] of runs.entries()) {
    console.log(`B3: ${run.subscribers} subscribers...`);
    const sampleB5 = options.channels && index === 0;
    const { result, samples } = await fanoutRun(context, { ...run, seconds, tokens: tokens.slice(0, run.subscribers), baseline: options.baseline && options.b3 !== false, sampleB5 });
    if (options.b3 !== false) results.push(result);
    if (sampleB5) channelSamples = samples;
  }
  if (options.channels) results.push(channelResult(channelSamples, org.mainConversationId, runs[0]!.subscribers));
  return results;
}

async function fanoutRun(
  context: BenchContext,
  run: { subscribers: number; p99TargetMs: number; seconds: number; tokens: string[]; baseline: boolean; sampleB5: boolean },
): Promise<{ result: BenchResult; samples: ChannelSample[] }> {
  const org = context.base;
  const { subscribers: total, tokens } = run;
  const conversationId = toGlobalId('Conversation', org.mainConversationId);
  const count = Math.round(run.seconds * RATE_PER_SECOND);
  const labels = Array.from({ length: count }, (_, i) => String(i + 1));
  const notes: string[] = [];

  // ---- Sidedoor ----
  const instances: Child[] = [];
  for (let i = 1; i <= INSTANCES; i++) {
    // Thousands of sessions of 15 people: each actor holds hundreds of subscriptions on each instance.
    instances.push(await startSidedoor(context, `sidedoor-${i}`, { WS_MAX_SUBSCRIPTION_COST_PER_ACTOR: '100000000' }));
  }
  // Each instance reports its commits; the comment's label is known once the mutation answers with its id.
  const committedById = new Map<string, number>();
  for (const instance of instances) {
    instance.onEvent((event) => {
      if (event.type === 'commentCommitted') committedById.set(event.commentId as string, event.committedAt as number);
    });
  }
  const commentIds = new Map<string, string>();
  const roundTrips: number[] = [];
  let failedPosts = 0;
  let postedTo = 0;
  const postComment = async (label: string) => {
    const instance = instances[postedTo++ % instances.length]!;
    const sentAt = performance.now();
    try {
      const response = await post(
        instance.port,
        POST_COMMENT,
        { input: { conversationId, body: `Update ${marker(label)} from the supplier: delivery moved to Thursday, see the revised schedule.` } },
        org.ownerToken,
      );
      const data = expectData('postComment', response);
      commentIds.set(label, parseGlobalId(data.postComment.id)!.id);
      if (!label.startsWith('warm')) roundTrips.push(performance.now() - sentAt);
    } catch (error) {
      failedPosts++;
      if (failedPosts <= 3) console.error(`B3: a comment failed to post: ${(error as Error).message}`);
    }
  };

  const urls = instances.map((instance) => `ws://127.0.0.1:${instance.port}/graphql`);
  let sidedoor: Outcome;
  let sidedoorCpu: CpuReport;
  let channelSamples: ChannelSample[] = [];
  let statementsPerComment = NaN;
  let subscribers: Subscribers | null = null;
  const connectStarted = performance.now();
  try {
    subscribers = await Subscribers.connect('sidedoor', urls, tokens, conversationId);
    notes.push(`connected and subscribed in ${fixed((performance.now() - connectStarted) / 1000, 1)} s, from ${subscribers.clients.length} client process(es)`);
    await warmUp(subscribers, total, postComment);
    const stopSampling = run.sampleB5 ? sampleChannels(context.redisUrl, context.redisPrefix, 2000) : null;
    const statementsBefore = await Promise.all(instances.map(async (instance) => (await instance.stats()).statements!));
    const stopCpu = measureCpu(cpuGroups([...instances, ...subscribers.clients], context.database.name));
    await paced(count, postComment);
    sidedoorCpu = stopCpu();
    await subscribers.waitFor(labels.filter((label) => commentIds.has(label)), 30_000);
    const statementsAfter = await Promise.all(instances.map(async (instance) => (await instance.stats()).statements!));
    statementsPerComment = statementsAfter.reduce((sum, after, i) => sum + after - statementsBefore[i]!, 0) / count;
    channelSamples = (await stopSampling?.()) ?? [];
    const committedAt = new Map<string, number>();
    for (const label of labels) {
      const at = committedById.get(commentIds.get(label) ?? '');
      if (at !== undefined) committedAt.set(label, at);
    }
    sidedoor = merge(await subscribers.reports(committedAt), committedAt.size, total);
    const posted = labels.filter((label) => commentIds.has(label)).length;
    if (committedAt.size < posted) notes.push(`WARNING: ${posted - committedAt.size} posted comments had no commit time reported`);
    if (sidedoor.closedEarly) notes.push(`${sidedoor.closedEarly} Sidedoor subscriber sockets were closed by the end (first: ${JSON.stringify(sidedoor.firstClose)})`);
    if (sidedoor.unexpected.length) notes.push(`Sidedoor subscribers received unexpected messages, e.g. ${sidedoor.unexpected[0]}`);
  } finally {
    await subscribers?.close();
    await Promise.all(instances.map((instance) => instance.stop()));
  }
  notes.push(
    `${total} subscribers (${total / INSTANCES} per instance, ${total} sessions of ${org.members.length} members and ${org.guests.length} guests); ${count} comments posted at ${RATE_PER_SECOND}/s over ${run.seconds} s, alternately to each instance, ${failedPosts} failed`,
    `Sidedoor latency runs from the commit (each instance reports the moment its postComment transaction committed, src/realtime/observability.ts) to the moment the subscriber's socket hands over the message, both in ms since the epoch on this machine's clock; the baseline's from the bench's PUBLISH`,
    `postComment round trip while delivering: p50 ${ms(percentile(roundTrips, 50))}, p99 ${ms(percentile(roundTrips, 99))}`,
    `Sidedoor CPU (% of one core) while posting: ${cpuSummary(sidedoorCpu)}`,
    ...clientSaturation(sidedoorCpu),
  );

  // ---- Baseline: raw SUBSCRIBE -> ws.send of the same bytes ----
  let baseline: Outcome | null = null;
  if (run.baseline) {
    const sample = sidedoor.sample;
    if (!sample) throw new Error('B3: no Sidedoor delivery to copy for the baseline');
    const template = sample.raw.replace(marker(sample.label), '#bench-{label}#');
    const channel = `${context.redisPrefix}baseline:${org.mainConversationId}`;
    const servers: Child[] = [];
    for (let i = 1; i <= INSTANCES; i++) {
      servers.push(await startChild(`baseline-${i}`, 'baseline-ws', { BASELINE_REDIS_URL: context.redisUrl, BASELINE_CHANNEL: channel }));
    }
    const publisher = new Redis(context.redisUrl);
    const publishedAt = new Map<string, number>();
    const publish = async (label: string) => {
      const message = template.replace('#bench-{label}#', marker(label));
      publishedAt.set(label, now());
      await publisher.publish(channel, message);
    };
    let baseSubscribers: Subscribers | null = null;
    let baseCpu: CpuReport;
    try {
      baseSubscribers = await Subscribers.connect(
        'baseline',
        servers.map((server) => `ws://127.0.0.1:${server.port}/graphql`),
        tokens,
        conversationId,
      );
      await warmUp(baseSubscribers, total, publish);
      const stopCpu = measureCpu(cpuGroups([...servers, ...baseSubscribers.clients], context.database.name));
      await paced(count, publish);
      baseCpu = stopCpu();
      await baseSubscribers.waitFor(labels, 30_000);
      baseline = merge(await baseSubscribers.reports(new Map(labels.map((label) => [label, publishedAt.get(label)!]))), count, total);
    } finally {
      await baseSubscribers?.close();
      await publisher.quit();
      await Promise.all(servers.map((server) => server.stop()));
    }
    notes.push(
      `baseline: the same ${(template.length / 1024).toFixed(2)} KB message, PUBLISHed by the bench, sent as is by ${INSTANCES} plain ws servers to ${total / INSTANCES} sockets each; CPU (% of one core): ${cpuSummary(baseCpu)}`,
    );
  }

  const p = (o: Outcome, n: number) => histogramPercentile(o.histogram, n);
  const rows: Row[] = [
    {
      bench: 'B3',
      metric: `deliveries to ${total.toLocaleString('en')} subscribers on ${INSTANCES} instances`,
      sidedoor: lostText(sidedoor),
      baseline: baseline ? lostText(baseline) : undefined,
      target: 'nothing lost',
      verdict: verdict(exact(sidedoor) && failedPosts === 0),
    },
    {
      bench: 'B3',
      // SPEC §6: each event is resolved per subscriber without one query per subscriber per event.
      metric: `SQL statements per comment, both instances, ${total.toLocaleString('en')} subscribers (the postComment mutation included)`,
      sidedoor: fixed(statementsPerComment, 1),
      target: `independent of the subscribers`,
      verdict: verdict(statementsPerComment < 100),
    },
  ];
  for (const n of [50, 99]) {
    rows.push({
      bench: 'B3',
      metric: `commit-to-receive p${n}, ${total.toLocaleString('en')} subscribers (baseline: from its PUBLISH)`,
      sidedoor: ms(p(sidedoor, n)),
      baseline: baseline ? ms(p(baseline, n)) : undefined,
      ratio: baseline ? ratio(p(sidedoor, n), p(baseline, n)) : undefined,
      target: n === 99 ? `< ${run.p99TargetMs} ms` : undefined,
      verdict: n === 99 ? verdict(p(sidedoor, n) < run.p99TargetMs) : undefined,
    });
  }
  return { result: { bench: 'B3', rows, notes }, samples: channelSamples };
}

/** The load generator here is this process plus the client processes: say if any of them ran out of core. */
function clientSaturation(cpu: CpuReport): string[] {
  const clients = Object.entries(cpu.percent).filter(([name]) => name.includes('-clients-'));
  const worst = Math.max(0, ...clients.map(([, percent]) => percent));
  return [
    worst >= 90
      ? `WARNING: a client process saturated a core (up to ${fixed(worst, 0)}% of one core): the latencies are bounded by the load generator`
      : `client processes used at most ${fixed(worst, 0)}% of one core each: not saturated`,
    ...saturation([cpu]).filter((note) => !note.includes('load generator')),
  ];
}

/** B5: one Redis channel per conversation with subscribers, subscribed once per instance, not once per subscriber. */
function channelResult(samples: ChannelSample[], conversationId: string, subscribers: number): BenchResult {
  if (samples.length === 0) {
    return { bench: 'B5', rows: [{ bench: 'B5', metric: 'Redis channels', sidedoor: 'no sample taken', verdict: 'MISSED' }], notes: [] };
  }
  const commentChannels = Math.max(...samples.map((s) => Object.keys(s.channels).filter((name) => name.startsWith('comment-added:')).length));
  const perChannel = Math.max(...samples.map((s) => s.channels[`comment-added:${conversationId}`] ?? 0));
  const everything = samples.at(-1)!.channels;
  const total = Math.max(...samples.map((s) => Object.keys(s.channels).length));
  return {
    bench: 'B5',
    rows: [
      {
        bench: 'B5',
        metric: `comment channels in Redis (1 conversation, ${subscribers} subscribers)`,
        sidedoor: String(commentChannels),
        target: '1 per conversation',
        verdict: verdict(commentChannels === 1),
      },
      {
        bench: 'B5',
        metric: 'subscribers of that channel (PUBSUB NUMSUB)',
        sidedoor: String(perChannel),
        target: `1 per instance (${INSTANCES})`,
        verdict: verdict(perChannel === INSTANCES),
      },
      { bench: 'B5', metric: 'channels in use in all (max over samples)', sidedoor: String(total) },
    ],
    notes: [
      `${samples.length} samples of PUBSUB CHANNELS <prefix>* and PUBSUB NUMSUB, every 2 s while B3 posted; last: ${Object.entries(everything)
        .map(([name, n]) => `${name.replace(/[0-9a-f-]{36}/, '<id>')} x${n}`)
        .join(', ')}`,
    ],
  };
}
