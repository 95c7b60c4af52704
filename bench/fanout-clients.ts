/**
 * A share of B3's subscribers, in a process of their own: ten thousand
 * sockets and the JSON of every delivery would saturate one core, so
 * bench/fanout.ts spreads its subscribers over several of these, and measures
 * each one's CPU like a server's. Each delivery is timed here, in ms since the
 * epoch; bench/fanout.ts sends the commit times at the end and gets back the
 * latencies as a histogram, so nothing large crosses the IPC channel.
 */
import { serveParent } from './proc';
import { BUCKETS_PER_MS, MARKER, type ClientReport } from './fanout-report';
import { inBatches, SubscriberSocket, type Received } from './ws-client';

const arrivals: Array<{ labels: string[]; at: number[]; seen: Set<string> }> = [];
const unexpected: string[] = [];
let sample: ClientReport['sample'] = null;
let sockets: SubscriberSocket[] = [];

function recorder(index: number) {
  return ({ at, raw, message }: Received) => {
    const body: unknown = message.payload?.data?.commentAdded?.body ?? message.payload?.body;
    const label = typeof body === 'string' ? MARKER.exec(body)?.[1] : undefined;
    if (message.type === 'next' && label) {
      const list = arrivals[index]!;
      list.labels.push(label);
      list.at.push(at);
      list.seen.add(label);
      if (!sample && !label.startsWith('warm')) sample = { label, raw };
    } else if (unexpected.length < 20) {
      unexpected.push(raw.slice(0, 300));
    }
  };
}

const missing = (labels: string[]) => arrivals.filter((list) => labels.some((label) => !list.seen.has(label))).length;

function report(committedAt: Record<string, number>): ClientReport {
  const measured = new Set(Object.keys(committedAt));
  const histogram = new Map<number, number>();
  let delivered = 0;
  let duplicates = 0;
  let reordered = 0;
  let reference: string[] | null = null;
  for (const list of arrivals) {
    const seen = new Set<string>();
    const order: string[] = [];
    list.labels.forEach((label, i) => {
      if (!measured.has(label)) return;
      if (seen.has(label)) {
        duplicates++;
        return;
      }
      seen.add(label);
      order.push(label);
      delivered++;
      const bucket = Math.round((list.at[i]! - committedAt[label]!) * BUCKETS_PER_MS);
      histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
    });
    reference ??= order;
    if (order.join() !== reference.slice(0, order.length).join()) reordered++;
  }
  const closed = sockets.filter((socket) => !socket.isOpen);
  return {
    subscribers: arrivals.length,
    delivered,
    duplicates,
    order: reference ?? [],
    reordered,
    histogram: [...histogram],
    unexpected,
    closedEarly: closed.length,
    firstClose: closed[0]?.closedWith ?? null,
    sample,
  };
}

async function handle(type: string, payload: Record<string, unknown>): Promise<unknown> {
  switch (type) {
    case 'connect': {
      const { urls, tokens, first, query, variables } = payload as { urls: string[]; tokens: string[]; first: number; query: string; variables: Record<string, unknown> };
      // Subscriber n of the whole run goes to instance n mod instances, whichever process holds it.
      sockets = tokens.map((token, i) => {
        arrivals.push({ labels: [], at: [], seen: new Set() });
        return new SubscriberSocket(urls[(first + i) % urls.length]!, token, recorder(i));
      });
      await inBatches(sockets, 50, async (socket) => {
        await socket.open();
        socket.subscribe('1', query, variables);
      });
      return sockets.length;
    }
    case 'missing':
      return missing(payload.labels as string[]);
    case 'report':
      return report(payload.committedAt as Record<string, number>);
    case 'close':
      await Promise.all(sockets.map((socket) => socket.close()));
      return sockets.length;
    default:
      throw new Error(`fanout-clients: unknown request ${type}`);
  }
}

serveParent(0, { handle, stop: async () => undefined });
