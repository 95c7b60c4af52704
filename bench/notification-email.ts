/**
 * B6: 1,000 notification emails through a local SMTP server (the
 * `smtp-server` package, in this process) from 2 Sidedoor instances sharing
 * PostgreSQL: 125 comments over the 25 conversations of the inbox list, each
 * mentioning 8 members, posted as fast as the API takes them, with
 * EMAIL_DELAY_SECONDS=0 so the figures are the pipeline's (the
 * notification's job, then the email's job, then SMTP), not the delay. Every
 * email is matched to its notification by Message-ID: nothing may be lost,
 * nothing may arrive twice.
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import { toGlobalId } from '../src/ids';
import { messageIdFor } from '../src/mail/email';
import { expectData, post, startSidedoor, type BenchContext } from './context';
import { POST_COMMENT } from './queries';
import { fixed, ms, percentile, verdict, type BenchResult } from './report';

const COMMENTS = 125;
const MENTIONS_PER_COMMENT = 8;
const INSTANCES = 2;
/** Comments in flight at once. */
const POSTERS = 8;
/** How long every email may take to arrive, and how long to listen for a second copy after the last. */
const DEADLINE_MS = 180_000;
const AFTERWARDS_MS = 5_000;
/** What startSidedoor gives every instance: the host of Message-IDs. */
const PUBLIC_URL = 'http://127.0.0.1';

interface Arrival {
  messageId: string;
  at: number;
}

/** A local SMTP server that accepts everything and notes each email's Message-ID and when it was accepted (epoch ms). */
async function localSmtp(arrivals: Arrival[]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Many pooled connections from two instances: no per-connection limits in the way.
    maxClients: 1000,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
        const messageId = /^Message-ID: (<[^>]+>)$/im.exec(head)?.[1] ?? '(none)';
        arrivals.push({ messageId, at: Date.now() });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function benchNotificationEmails(context: BenchContext): Promise<BenchResult> {
  const { base } = context;
  // The owner writes; comment n mentions the MENTIONS_PER_COMMENT other members from the n-th on, in a ring, so comments do not all name the same people.
  const others = base.members.slice(1);
  if (others.length < MENTIONS_PER_COMMENT) throw new Error(`B6 needs ${MENTIONS_PER_COMMENT} members besides the owner, the data has ${others.length}`);
  const mentionIdsOf = (n: number) => Array.from({ length: MENTIONS_PER_COMMENT }, (_, k) => toGlobalId('User', others[(n + k) % others.length]!.id));

  const arrivals: Arrival[] = [];
  const smtp = await localSmtp(arrivals);
  const instances = await Promise.all(
    Array.from({ length: INSTANCES }, (_, i) => startSidedoor(context, `sidedoor-${i + 1}`, { SMTP_URL: smtp.url, EMAIL_DELAY_SECONDS: '0' })),
  );
  const database = new Client({ connectionString: context.database.url });
  await database.connect();
  try {
    // Everything enqueued before: other benchmarks' comments mention nobody, so every email counted below is one of these.
    const commentIds: string[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: POSTERS }, async () => {
        while (next < COMMENTS) {
          const n = next++;
          const response = await post(
            instances[n % INSTANCES]!.port,
            POST_COMMENT,
            {
              input: {
                conversationId: toGlobalId('Conversation', base.listConversationIds[n % base.listConversationIds.length]!),
                body: `B6 comment ${n}`,
                mentionIds: mentionIdsOf(n),
              },
            },
            base.ownerToken,
          );
          commentIds.push(expectData('B6 postComment', response).postComment.id);
        }
      }),
    );
    const postedMs = performance.now() - started;

    const notifications: { id: string; created: string }[] = (
      await database.query(
        `SELECT n.id, floor(extract(epoch FROM n.created_at) * 1000)::text AS created
           FROM notifications n JOIN comments c ON c.id = n.comment_id
          WHERE c.id = ANY($1::uuid[])`,
        [commentIds.map((id) => Buffer.from(id, 'base64url').toString('utf8').split(':')[1]!)],
      )
    ).rows;
    const expected = new Map(notifications.map((notification) => [messageIdFor(PUBLIC_URL, `notification:${notification.id}`), Number(notification.created)]));

    const deadline = performance.now() + DEADLINE_MS;
    const received = () => new Set(arrivals.map((arrival) => arrival.messageId).filter((id) => expected.has(id))).size;
    while (received() < expected.size && performance.now() < deadline) await sleep(100);
    await sleep(AFTERWARDS_MS);

    const firstArrival = new Map<string, number>();
    let twice = 0;
    let strays = 0;
    for (const { messageId, at } of arrivals) {
      if (!expected.has(messageId)) strays += 1;
      else if (firstArrival.has(messageId)) twice += 1;
      else firstArrival.set(messageId, at);
    }
    const lost = expected.size - firstArrival.size;
    const latencies = [...firstArrival].map(([messageId, at]) => at - expected.get(messageId)!);
    const firstCreated = Math.min(...expected.values());
    const lastAccepted = Math.max(...firstArrival.values());
    const throughput = firstArrival.size / ((lastAccepted - firstCreated) / 1000);
    const allOnce = expected.size === COMMENTS * MENTIONS_PER_COMMENT && lost === 0 && twice === 0 && strays === 0;

    return {
      bench: 'B6',
      rows: [
        {
          bench: 'B6',
          metric: `${expected.size} notification emails via SMTP, ${INSTANCES} instances`,
          sidedoor: `${firstArrival.size} delivered, ${lost} lost, ${twice} twice`,
          target: 'all, once',
          verdict: verdict(allOnce),
        },
        {
          bench: 'B6',
          metric: 'throughput, notification to SMTP accept',
          sidedoor: `${fixed(throughput)} emails/s`,
        },
        {
          bench: 'B6',
          metric: 'notification to SMTP accept: p50 / p99 / max',
          sidedoor: `${ms(percentile(latencies, 50))} / ${ms(percentile(latencies, 99))} / ${ms(Math.max(...latencies))}`,
        },
      ],
      notes: [
        `${COMMENTS} comments in ${base.listConversationIds.length} conversations, each mentioning ${MENTIONS_PER_COMMENT} members, posted over ${INSTANCES} instances by ${POSTERS} clients in ${fixed(postedMs / 1000, 1)} s (${fixed(COMMENTS / (postedMs / 1000))} comments/s, ${fixed((COMMENTS * MENTIONS_PER_COMMENT) / (postedMs / 1000))} notifications/s enqueued)`,
        `EMAIL_DELAY_SECONDS=0, JOB_CONCURRENCY and JOB_POLL_INTERVAL_MS at their defaults (10, 1000 ms); each email is two jobs (the notification's, then the delivery); latency from the notification's transaction start to the SMTP server's accept`,
        ...(strays ? [`${strays} emails arrived that no notification of this run explains`] : []),
      ],
    };
  } finally {
    await database.end();
    await Promise.all(instances.map((instance) => instance.stop()));
    await smtp.close();
  }
}
