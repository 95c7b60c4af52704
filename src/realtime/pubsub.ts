import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub } from '@graphql-yoga/subscription';
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config';
import type { Logger } from '../logger';

/**
 * What travels between instances. Payloads are doorbells, not data: they say
 * *that* something changed and PostgreSQL says *what*, so a lost or duplicated
 * message costs a query, never a comment. JSON-safe (strings only).
 */
export enum Topic {
  /** One channel per conversation (`comment-added:<conversationId>`): a comment was committed there. */
  COMMENT_ADDED = 'comment-added',
  /** One channel per organization (`control:<organizationId>`): access or sessions changed there. */
  CONTROL = 'control',
  /** One channel per organization (`notification-added:<organizationId>`): notifications were committed for these recipients. */
  NOTIFICATION_ADDED = 'notification-added',
}

export interface CommentAddedSignal {
  conversationId: string;
  commentId: string;
  /** The comment's sequence number, as a decimal string. */
  seq: string;
}

export interface NotificationAddedSignal {
  organizationId: string;
  /**
   * Who has new notifications (at most a comment's mentions): only their
   * lanes read. Null: anyone of the organization may (what a doorbell resent
   * after an outage says, since it stands for every one lost meanwhile).
   */
  recipientIds: string[] | null;
}

export type ControlSignal =
  | { type: 'accessChanged'; organizationId: string; conversationIds: string[] }
  | { type: 'sessionsChanged'; organizationId: string; actorIds: string[] | null };

/** The typed topic map: every topic is routed by an id, so each id is its own Redis channel. */
export type Topics = {
  [Topic.COMMENT_ADDED]: [conversationId: string, signal: CommentAddedSignal];
  [Topic.CONTROL]: [organizationId: string, signal: ControlSignal];
  [Topic.NOTIFICATION_ADDED]: [organizationId: string, signal: NotificationAddedSignal];
};

export interface PubSubTransport {
  readonly pubSub: PubSub<Topics>;
  readonly kind: 'redis' | 'in-process';
  /**
   * Publishes after a commit. Resolves false (and logs) when Redis did not take
   * the message within a second; never rejects, so a Redis outage cannot fail a mutation.
   */
  publish<K extends keyof Topics & string>(topic: K, id: Topics[K][0], payload: Topics[K][1]): Promise<boolean>;
  /**
   * Resolves once this instance's subscription to the channel is active on the
   * Redis server, so a caller can read PostgreSQL afterwards without a gap.
   * In process: at once.
   */
  subscribed(topic: Topic, id: string): Promise<void>;
  /** Called each time the subscribe connection comes back after an outage, once its channels are subscribed again. */
  onReconnect(listener: () => void): void;
  /** Whether Redis answers (always true in process). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const PUBLISH_TIMEOUT_MS = 1000;
/** Channels whose last doorbell could not be published, kept to ring again when Redis returns. */
const MAX_UNDELIVERED = 10_000;

const retryStrategy = (attempt: number) => Math.min(50 * 2 ** attempt, 1000);

/**
 * `createPubSub` over Redis (two connections: a subscriber connection cannot
 * publish) when REDIS_URL is set, or over an in-process EventTarget.
 */
export function createPubSubTransport(config: Pick<Config, 'redisUrl' | 'redisPrefix'>, logger: Logger): PubSubTransport {
  if (!config.redisUrl) return inProcessTransport();

  const prefix = config.redisPrefix;
  const log = logger.child({ component: 'pubsub' });
  const common: RedisOptions = { retryStrategy, connectionName: `${prefix}pubsub` };
  // Publishing must fail fast while Redis is away (no offline queue): the
  // mutation already committed and subscribers catch up from PostgreSQL.
  const publisher = new Redis(config.redisUrl, {
    ...common,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: PUBLISH_TIMEOUT_MS,
  });
  // Subscribing waits out an outage instead: ioredis queues the command and resubscribes on reconnect.
  const subscriber = new Redis(config.redisUrl, { ...common, maxRetriesPerRequest: null, autoResubscribe: true });

  let warnedDown = false;
  for (const [name, client] of [
    ['publisher', publisher],
    ['subscriber', subscriber],
  ] as const) {
    client.on('error', (error: Error) => {
      // ioredis reports every failed reconnect attempt; one warning per outage is enough.
      if (!warnedDown) log.warn({ err: error, connection: name }, 'Redis connection failed; retrying');
      warnedDown = true;
    });
  }

  const subscriptions = new Map<string, Promise<void>>();
  // The last message of each channel that Redis did not take. Other instances
  // would otherwise hear of those commits only at their next doorbell.
  const undelivered = new Map<string, string>();
  // Publishing goes to ioredis directly, in the format the event target reads
  // (`<topic>:<id>` channels, JSON payloads), so the caller gets the outcome.
  const publishRaw = (channel: string, message: string): Promise<boolean> =>
    publisher.publish(prefix + channel, message).then(
      () => true,
      (error: Error) => {
        log.error({ err: error, channel }, 'publish failed; it is sent again when Redis returns');
        undelivered.delete(channel);
        if (undelivered.size < MAX_UNDELIVERED) undelivered.set(channel, message);
        return false;
      },
    );
  // The event target only sees unprefixed channel names; this adapter adds the prefix on the wire.
  const subscribeClient = {
    on(event: 'message', listener: (channel: string, message: string) => void) {
      subscriber.on(event, (channel: string, message: string) => {
        if (channel.startsWith(prefix)) listener(channel.slice(prefix.length), message);
      });
    },
    subscribe(channel: string) {
      const done = subscriber.subscribe(prefix + channel).then(
        () => undefined,
        (error: Error) => {
          if (subscriber.status !== 'end') log.error({ err: error, channel }, 'subscribe failed');
        },
      );
      subscriptions.set(channel, done);
      return done;
    },
    unsubscribe(channel: string) {
      subscriptions.delete(channel);
      return subscriber.unsubscribe(prefix + channel).catch((error: Error) => {
        if (subscriber.status !== 'end') log.warn({ err: error, channel }, 'unsubscribe failed');
      });
    },
  };

  const pubSub = createPubSub<Topics>({
    eventTarget: createRedisEventTarget({
      // Never used: publish() below goes to ioredis itself.
      publishClient: publisher,
      subscribeClient: subscribeClient as unknown as Redis,
    }),
  });

  // Both flags start true: whatever was published or subscribed before the
  // first connection is handled like what happened during an outage.
  let publisherDown = true;
  publisher.on('close', () => (publisherDown = true));
  publisher.on('ready', () => {
    if (!publisherDown) return;
    publisherDown = false;
    const pending = [...undelivered];
    undelivered.clear();
    for (const [channel, message] of pending) void publishRaw(channel, message);
  });

  const reconnectListeners: Array<() => void> = [];
  let subscriberDown = true;
  let everReady = false;
  subscriber.on('close', () => (subscriberDown = true));
  subscriber.on('ready', () => {
    warnedDown = false;
    if (!subscriberDown) return;
    subscriberDown = false;
    if (everReady) log.info('Redis is back; catching subscriptions up from the database');
    everReady = true;
    // ioredis wrote the resubscriptions before emitting 'ready'; a PING queued
    // behind them answers only once they are all active.
    subscriber.ping().then(
      () => reconnectListeners.forEach((listener) => listener()),
      (error: Error) => log.warn({ err: error }, 'Redis dropped again before catching up'),
    );
  });

  return {
    pubSub,
    kind: 'redis',
    publish(topic, id, payload) {
      return publishRaw(`${topic}:${id}`, JSON.stringify(payload));
    },
    subscribed(topic, id) {
      return subscriptions.get(`${topic}:${id}`) ?? Promise.resolve();
    },
    onReconnect(listener) {
      reconnectListeners.push(listener);
    },
    async ping() {
      try {
        return (await publisher.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      // QUIT would wait in the offline queue while Redis is away: drop the connection instead.
      await Promise.all(
        [publisher, subscriber].map((client) =>
          client.status === 'ready' ? client.quit().then(() => undefined, () => client.disconnect()) : client.disconnect(),
        ),
      );
    },
  };
}

function inProcessTransport(): PubSubTransport {
  const pubSub = createPubSub<Topics>();
  return {
    pubSub,
    kind: 'in-process',
    async publish(topic, id, payload) {
      (pubSub.publish as (topic: string, id: string, payload: unknown) => void)(topic, id, payload);
      return true;
    },
    subscribed: () => Promise.resolve(),
    onReconnect() {},
    ping: async () => true,
    async close() {},
  };
}
