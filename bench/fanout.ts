/**
 * B3: one conversation, 1,000 graphql-ws subscribers over 2 Sidedoor
 * instances sharing Redis, comments posted at 10/s; every delivery's latency
 * and anything lost, against raw ioredis SUBSCRIBE -> ws.send of the same
 * JSON. B5: the Redis channels in use, sampled while B3 runs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { parseGlobalId, toGlobalId } from '../src/ids';
import { expectData, post, startSidedoor, type BenchContext } from './context';
import { createSessions } from './data';
import { cpuSummary, saturation } from './http';
import { cpuGroups, measureCpu, startChild, type Child, type CpuReport } from './proc';
import { COMMENT_ADDED, POST_COMMENT } from './queries';
import { fixed, ms, percentile, ratio, verdict, type BenchResult, type Row } from './report';
import { inBatches, SubscriberSocket, type Received } from './ws-client';

const SUBSCRIBERS = 1000;
const INSTANCES = 2;
const RATE_PER_SECOND = 10;
const P99_TARGET_MS = 100;

/** Every comment carries its number in its body, so each delivery can be matched to its post. */
const marker = (label: string) => `#bench-${label}#`;
const MARKER = /#bench-([a-z0-9-]+)#/;

interface Run {
  /** label -> when it was sent (the mutation left, or the baseline's PUBLISH). */
  sentAt: Map<string, number>;
  failedPosts: number;
  /** subscriber -> labels in arrival order, with arrival times. */
  arrivals: Array<Array<{ label: string; at: number }>>;
  /** Messages a subscriber got that were not a delivery (errors, completes). */
  unexpected: string[];
  /** One delivered message as the wire carried it: the baseline sends exactly this. */
  sample: { label: string; raw: string } | null;
}

function newRun(subscribers: number): Run {
  return { sentAt: new Map(), failedPosts: 0, arrivals: Array.from({ length: subscribers }, () => []), unexpected: [], sample: null };
}

/** The handler of subscriber `index`: records each `next` by the label in its body. */
function recorder(run: Run, index: number) {
  return ({ at, raw, message }: Received) => {
    const body: unknown = message.payload?.data?.commentAdded?.body ?? message.payload?.body;
    const label = typeof body === 'string' ? MARKER.exec(body)?.[1] : undefined;
    if (message.type === 'next' && label) {
      run.arrivals[index]!.push({ label, at });
      if (!run.sample && !label.startsWith('warm')) run.sample = { label, raw };
    } else if (run.unexpected.length < 20) {
      run.unexpected.push(raw.slice(0, 300));
    }
  };
}

async function connect(urls: string[], tokens: string[], run: Run, subscribe: boolean, conversationId: string): Promise<SubscriberSocket[]> {
  const sockets = tokens.map((token, i) => new SubscriberSocket(urls[i % urls.length]!, token, recorder(run, i)));
  await inBatches(sockets, 50, async (socket) => {
    await socket.open();
    if (subscribe) socket.subscribe('1', COMMENT_ADDED, { conversationId });
  });
  return sockets;
}

/** Resolves once every subscriber has received `label`, or reports how many did not within the time. */
async function waitForAll(run: Run, label: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const missing = run.arrivals.filter((list) => !list.some((arrival) => arrival.label === label)).length;
    if (missing === 0 || performance.now() > deadline) return missing;
    await sleep(20);
  }
}

/**
 * Subscriptions become live asynchronously (the instance subscribes to Redis):
 * warm-up messages are sent until one reaches every subscriber, so the
 * measured window starts with all 1,000 listening.
 */
async function warmUp(run: Run, send: (label: string) => Promise<void>): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const label = `warm-${attempt}`;
    await send(label);
    const missing = await waitForAll(run, label, 5000);
    if (missing === 0) return;
    if (attempt === 5) {
      throw new Error(`B3: ${missing} of ${run.arrivals.length} subscribers still hear nothing after 5 warm-up comments; first odd messages: ${run.unexpected.slice(0, 3).join(' | ')}`);
    }
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
  /** Subscribers whose order differs from subscriber 0's. */
  reordered: number;
  latencies: number[];
}

function outcome(run: Run, labels: string[], from: Map<string, number>): Outcome {
  const measured = new Set(labels.filter((label) => run.sentAt.has(label)));
  let delivered = 0;
  let duplicates = 0;
  let reordered = 0;
  const latencies: number[] = [];
  const reference = run.arrivals[0]!.filter((arrival) => measured.has(arrival.label)).map((arrival) => arrival.label);
  for (const list of run.arrivals) {
    const seen = new Set<string>();
    const order: string[] = [];
    for (const { label, at } of list) {
      if (!measured.has(label)) continue;
      if (seen.has(label)) {
        duplicates++;
        continue;
      }
      seen.add(label);
      order.push(label);
      delivered++;
      const sent = from.get(label);
      if (sent !== undefined) latencies.push(at - sent);
    }
    if (order.join() !== reference.slice(0, order.length).join() && order.length === reference.length) reordered++;
  }
  const expected = measured.size * run.arrivals.length;
  return { expected, delivered, lost: expected - delivered, duplicates, reordered, latencies };
}

/** Waits until every measured label reached everyone, or `timeoutMs` passed. */
async function drain(run: Run, labels: string[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const wanted = labels.filter((label) => run.sentAt.has(label));
  while (performance.now() < deadline) {
    const complete = run.arrivals.every((list) => {
      const got = new Set(list.map((arrival) => arrival.label));
      return wanted.every((label) => got.has(label));
    });
    if (complete) return;
    await sleep(50);
  }
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

export async function benchFanout(
  context: BenchContext,
  options: { baseline: boolean; channels: boolean; b3?: boolean },
): Promise<BenchResult[]> {
  const org = context.base;
  const conversationId = toGlobalId('Conversation', org.mainConversationId);
  const seconds = options.b3 === false ? Math.min(10, context.fanoutSeconds) : context.fanoutSeconds;
  const count = Math.round(seconds * RATE_PER_SECOND);
  const labels = Array.from({ length: count }, (_, i) => String(i + 1));
  // Everyone present subscribes: members and guests, each connection its own session (tabs, devices).
  const tokens = await createSessions(context.database.url, context.sessionSecret, [...org.members, ...org.guests], SUBSCRIBERS);
  const notes: string[] = [];

  // ---- Sidedoor ----
  const instances: Child[] = [];
  for (let i = 1; i <= INSTANCES; i++) instances.push(await startSidedoor(context, `sidedoor-${i}`));
  const urls = instances.map((instance) => `ws://127.0.0.1:${instance.port}/graphql`);
  const run = newRun(SUBSCRIBERS);
  // The doorbell: when Redis carried the commit's PUBLISH. A pattern subscription, so PUBSUB NUMSUB (B5) never counts it.
  const doorbell = new Redis(context.redisUrl);
  const doorbellAt = new Map<string, number>();
  doorbell.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    const at = performance.now();
    try {
      const signal = JSON.parse(message);
      const commentId = signal?.commentId ?? signal?.detail?.commentId;
      if (typeof commentId === 'string') doorbellAt.set(commentId, at);
    } catch {
      // not a signal we know: the doorbell figures stay empty
    }
  });
  await doorbell.psubscribe(`${context.redisPrefix}comment-added:${org.mainConversationId}`);

  const commentIds = new Map<string, string>();
  const roundTrips: number[] = [];
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
      run.sentAt.set(label, sentAt);
      if (!label.startsWith('warm')) roundTrips.push(performance.now() - sentAt);
    } catch (error) {
      run.failedPosts++;
      if (run.failedPosts <= 3) console.error(`B3: a comment failed to post: ${(error as Error).message}`);
    }
  };

  let sidedoor: Outcome;
  let doorbellOutcome: Outcome;
  let sidedoorCpu: CpuReport;
  let channelSamples: ChannelSample[] = [];
  let statementsPerComment = NaN;
  let sample: Run['sample'];
  const connectStarted = performance.now();
  const sockets = await connect(urls, tokens, run, true, conversationId);
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  try {
    await warmUp(run, postComment);
    const stopSampling = options.channels ? sampleChannels(context.redisUrl, context.redisPrefix, 2000) : null;
    const statementsBefore = await Promise.all(instances.map(async (instance) => (await instance.stats()).statements!));
    const stopCpu = measureCpu(cpuGroups(instances, context.database.name));
    await paced(count, postComment);
    sidedoorCpu = stopCpu();
    await drain(run, labels, 10_000);
    const statementsAfter = await Promise.all(instances.map(async (instance) => (await instance.stats()).statements!));
    statementsPerComment = statementsAfter.reduce((sum, after, i) => sum + after - statementsBefore[i]!, 0) / count;
    channelSamples = (await stopSampling?.()) ?? [];
    sidedoor = outcome(run, labels, run.sentAt);
    const rung = new Map<string, number>();
    for (const [label, id] of commentIds) if (doorbellAt.has(id)) rung.set(label, doorbellAt.get(id)!);
    doorbellOutcome = outcome(run, labels, rung);
    sample = run.sample;
    const closedEarly = sockets.filter((socket) => !socket.isOpen).length;
    if (closedEarly) notes.push(`${closedEarly} Sidedoor subscriber sockets were closed by the end (first: ${JSON.stringify(sockets.find((s) => !s.isOpen)?.closedWith)})`);
    if (run.unexpected.length) notes.push(`Sidedoor subscribers received unexpected messages, e.g. ${run.unexpected[0]}`);
  } finally {
    await Promise.all(sockets.map((socket) => socket.close()));
    await doorbell.quit();
    await Promise.all(instances.map((instance) => instance.stop()));
  }
  notes.push(
    `${SUBSCRIBERS} subscribers (${SUBSCRIBERS / INSTANCES} per instance, ${SUBSCRIBERS} sessions of ${org.members.length} members and ${org.guests.length} guests) connected and subscribed in ${fixed(connectSeconds, 1)} s; ${count} comments posted at ${RATE_PER_SECOND}/s over ${seconds} s, alternately to each instance, ${run.failedPosts} failed`,
    `Sidedoor latency is measured from the moment the postComment request left (before the commit: an upper bound of commit-to-receive) and, for comparison with the baseline, from the moment Redis delivered the commit's doorbell to a listener (a lower bound)`,
    `postComment round trip while delivering: p50 ${ms(percentile(roundTrips, 50))}, p99 ${ms(percentile(roundTrips, 99))}`,
    `Sidedoor CPU (% of one core) while posting: ${cpuSummary(sidedoorCpu)}`,
    ...saturation([sidedoorCpu]),
  );

  const results: BenchResult[] = [];
  const rows: Row[] = [];

  // ---- Baseline: raw SUBSCRIBE -> ws.send of the same bytes ----
  let baseline: Outcome | null = null;
  if (options.baseline && options.b3 !== false) {
    if (!sample) throw new Error('B3: no Sidedoor delivery to copy for the baseline');
    const template = sample.raw.replace(marker(sample.label), '#bench-{label}#');
    const channel = `${context.redisPrefix}baseline:${org.mainConversationId}`;
    const servers: Child[] = [];
    for (let i = 1; i <= INSTANCES; i++) {
      servers.push(await startChild(`baseline-${i}`, 'baseline-ws', { BASELINE_REDIS_URL: context.redisUrl, BASELINE_CHANNEL: channel }));
    }
    const publisher = new Redis(context.redisUrl);
    const baseRun = newRun(SUBSCRIBERS);
    const publish = async (label: string) => {
      const message = template.replace('#bench-{label}#', marker(label));
      baseRun.sentAt.set(label, performance.now());
      await publisher.publish(channel, message);
    };
    const baseSockets = await connect(
      servers.map((server) => `ws://127.0.0.1:${server.port}/graphql`),
      tokens,
      baseRun,
      true,
      conversationId,
    );
    let baseCpu: CpuReport;
    try {
      await warmUp(baseRun, publish);
      const stopCpu = measureCpu(cpuGroups(servers, context.database.name));
      await paced(count, publish);
      baseCpu = stopCpu();
      await drain(baseRun, labels, 10_000);
      baseline = outcome(baseRun, labels, baseRun.sentAt);
    } finally {
      await Promise.all(baseSockets.map((socket) => socket.close()));
      await publisher.quit();
      await Promise.all(servers.map((server) => server.stop()));
    }
    notes.push(
      `baseline: the same ${(template.length / 1024).toFixed(2)} KB message, PUBLISHed by the bench, sent as is by ${INSTANCES} plain ws servers to ${SUBSCRIBERS / INSTANCES} sockets each; CPU (% of one core): ${cpuSummary(baseCpu)}`,
    );
  }

  if (options.b3 !== false) {
    const lostText = (o: Outcome) => `${o.delivered}/${o.expected} (lost ${o.lost}, duplicates ${o.duplicates}, out of order ${o.reordered})`;
    rows.push(
      {
        bench: 'B3',
        metric: `deliveries to ${SUBSCRIBERS} subscribers on ${INSTANCES} instances`,
        sidedoor: lostText(sidedoor),
        baseline: baseline ? lostText(baseline) : undefined,
        target: 'nothing lost',
        verdict: verdict(sidedoor.lost === 0 && sidedoor.duplicates === 0 && sidedoor.reordered === 0 && run.failedPosts === 0),
      },
      {
        bench: 'B3',
        // SPEC §6: each event is resolved per subscriber without one query per subscriber per event.
        metric: `SQL statements per comment, both instances (the postComment mutation included)`,
        sidedoor: fixed(statementsPerComment, 1),
        target: `independent of the ${SUBSCRIBERS} subscribers`,
        verdict: verdict(statementsPerComment < SUBSCRIBERS / 10),
      },
      {
        bench: 'B3',
        metric: 'commit-to-receive p50 (Sidedoor: from the mutation request)',
        sidedoor: ms(percentile(sidedoor.latencies, 50)),
        baseline: baseline ? ms(percentile(baseline.latencies, 50)) : undefined,
        ratio: baseline ? ratio(percentile(sidedoor.latencies, 50), percentile(baseline.latencies, 50)) : undefined,
      },
      {
        bench: 'B3',
        metric: 'commit-to-receive p99 (Sidedoor: from the mutation request)',
        sidedoor: ms(percentile(sidedoor.latencies, 99)),
        baseline: baseline ? ms(percentile(baseline.latencies, 99)) : undefined,
        ratio: baseline ? ratio(percentile(sidedoor.latencies, 99), percentile(baseline.latencies, 99)) : undefined,
        target: `< ${P99_TARGET_MS} ms`,
        verdict: verdict(percentile(sidedoor.latencies, 99) < P99_TARGET_MS),
      },
    );
    if (doorbellOutcome!.latencies.length) {
      for (const p of [50, 99]) {
        rows.push({
          bench: 'B3',
          metric: `Redis-publish-to-receive p${p} (both)`,
          sidedoor: ms(percentile(doorbellOutcome!.latencies, p)),
          baseline: baseline ? ms(percentile(baseline.latencies, p)) : undefined,
          ratio: baseline ? ratio(percentile(doorbellOutcome!.latencies, p), percentile(baseline.latencies, p)) : undefined,
        });
      }
    } else {
      notes.push('the doorbell listener could not read the comment ids from the Redis messages: publish-to-receive not measured');
    }
    results.push({ bench: 'B3', rows: [...rows], notes });
  }

  if (options.channels) results.push(channelResult(channelSamples, org.mainConversationId));
  return results;
}

/** B5: one Redis channel per conversation with subscribers, subscribed once per instance, not once per subscriber. */
function channelResult(samples: ChannelSample[], conversationId: string): BenchResult {
  if (samples.length === 0) {
    return { bench: 'B5', rows: [{ bench: 'B5', metric: 'Redis channels', sidedoor: 'no sample taken', verdict: 'MISSED' }], notes: [] };
  }
  const commentChannels = Math.max(...samples.map((s) => Object.keys(s.channels).filter((name) => name.startsWith('comment-added:')).length));
  const subscribers = Math.max(...samples.map((s) => s.channels[`comment-added:${conversationId}`] ?? 0));
  const everything = samples.at(-1)!.channels;
  const total = Math.max(...samples.map((s) => Object.keys(s.channels).length));
  return {
    bench: 'B5',
    rows: [
      {
        bench: 'B5',
        metric: `comment channels in Redis (1 conversation, ${SUBSCRIBERS} subscribers)`,
        sidedoor: String(commentChannels),
        target: '1 per conversation',
        verdict: verdict(commentChannels === 1),
      },
      {
        bench: 'B5',
        metric: 'subscribers of that channel (PUBSUB NUMSUB)',
        sidedoor: String(subscribers),
        target: `1 per instance (${INSTANCES})`,
        verdict: verdict(subscribers === INSTANCES),
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
