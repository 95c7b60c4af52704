import type { Viewer } from '../auth/viewer';
import type { Logger } from '../logger';
import type { LoadedNotification } from '../notification/notification.loader';
import { notificationPolicy } from '../notification/notification.policy';
import { joinFeed } from './catch-up';
import { FEED_RETRY_MS, RetryLater } from './retry';
import type { Delivery, FeedSubscriber } from './delivery';
import { Topic, type PubSubTransport } from './pubsub';

/** Where one recipient's notifications are read from: after `afterSeq`, up to `upToSeq` (null: no bound). */
export interface NotificationRange {
  readonly recipientId: string;
  readonly afterSeq: bigint;
  readonly upToSeq: bigint | null;
}

/** What a notification feed reads from PostgreSQL. Each read serves every subscriber of the organization on this instance at once. */
export interface NotificationFeedStore {
  /** The highest notification sequence of each recipient (0 for none): where their live notifications start. */
  latestNotificationSeqs(organizationId: string, recipientIds: readonly string[]): Promise<Map<string, bigint>>;
  /** Each range's notifications, oldest first, at most `limit` per recipient, with what they point to: one statement for any number of ranges. */
  notifications(organizationId: string, ranges: readonly NotificationRange[], limit: number): Promise<LoadedNotification[]>;
  /** Current viewers of the sessions still alive: one statement for any number of subscribers. */
  viewers(sessionIds: string[]): Promise<Map<string, Viewer>>;
}

/** One recipient's subscriptions on this instance, and how far their notifications were handed out. */
interface Lane {
  readonly recipientId: string;
  readonly subscribers: Set<FeedSubscriber>;
  /** The highest sequence handed out (or present when the lane opened). */
  position: bigint;
  /** Resolves once `position` is read. */
  ready: Promise<void>;
}

const BATCH = 100;

/**
 * Everything one instance does for `notificationAdded` in one organization
 * with subscribers here. It holds the organization's single doorbell channel;
 * a doorbell names the recipients with news, and the feed reads the new
 * notifications of all of those with subscribers here in one statement,
 * re-authorizes their subscribers in one more, and hands each subscriber each
 * of its own notifications exactly once, in sequence order, if it may see it
 * now (a guest no longer gets those about a conversation they lost).
 *
 * A recipient's notifications take their sequence under that recipient's lock
 * (NotificationService.create), so per recipient sequence order is commit
 * order, and "everything after the last one handed out" never skips one.
 */
export class NotificationFeed {
  private readonly lanes = new Map<string, Lane>();
  /** Recipients whose notifications must be read again. */
  private readonly dirty = new Set<string>();
  /** Every subscriber must be re-authorized before the next events. */
  private accessDirty = false;
  private draining = false;
  private closed = false;
  private readonly retry = new RetryLater(() => void this.drain());
  private signals: AsyncIterator<unknown> | null = null;

  constructor(
    readonly organizationId: string,
    private readonly deps: {
      transport: PubSubTransport;
      store: NotificationFeedStore;
      logger: Logger;
      onEmpty: (feed: NotificationFeed) => void;
    },
  ) {}

  /** Subscribers of this recipient receiving live notifications (joined, catch-up read). */
  liveCount(recipientId: string): number {
    let count = 0;
    for (const subscriber of this.lanes.get(recipientId)?.subscribers ?? []) if (subscriber.cursor !== null && subscriber.held === null) count += 1;
    return count;
  }

  start(): void {
    const { transport } = this.deps;
    const signals = transport.pubSub.subscribe(Topic.NOTIFICATION_ADDED, this.organizationId)[Symbol.asyncIterator]();
    this.signals = signals;
    // The first next() subscribes the channel; every signal after that is only a doorbell.
    void (async () => {
      try {
        for (let result = await signals.next(); !result.done; result = await signals.next()) {
          this.ring((result.value as { recipientIds: string[] | null }).recipientIds ?? undefined);
        }
      } catch (error) {
        if (!this.closed) this.deps.logger.error({ err: error, organizationId: this.organizationId }, 'notification signals failed');
      }
    })();
    // A notification committed after a lane's baseline but published before the channel was active rang no bell here.
    void transport.subscribed(Topic.NOTIFICATION_ADDED, this.organizationId).then(() => this.ring());
  }

  /** Notifications may have been committed for these recipients (all, when not given): read what is new. */
  ring(recipientIds?: readonly string[]): void {
    for (const id of recipientIds ?? this.lanes.keys()) if (this.lanes.has(id)) this.dirty.add(id);
    void this.drain();
  }

  /** Sessions may have ended: re-authorize every subscriber now. */
  recheck(): void {
    this.accessDirty = true;
    void this.drain();
  }

  hasActor(actorIds: readonly string[]): boolean {
    return actorIds.some((id) => this.lanes.has(id));
  }

  /**
   * Adds a subscriber. With `afterSeq`, the notifications after it that this
   * feed has already passed are read and queued first (those the subscriber
   * may see); live ones arriving meanwhile wait behind them, so there is
   * neither a gap nor a duplicate.
   */
  async join(subscriber: FeedSubscriber, afterSeq: bigint | null): Promise<void> {
    const lane = this.laneOf(subscriber.actorId);
    // In the lane from the start, so the feed cannot close under a joining subscriber.
    lane.subscribers.add(subscriber);
    await joinFeed(subscriber, afterSeq, {
      ready: lane.ready,
      position: () => lane.position,
      page: (from, upTo, limit) => this.deps.store.notifications(this.organizationId, [{ recipientId: lane.recipientId, afterSeq: from, upToSeq: upTo }], limit),
      delivery: (notification) => (notificationPolicy.canSee(subscriber.viewer, notification) ? this.delivery(notification, subscriber) : null),
      batch: BATCH,
      leave: () => this.leave(subscriber),
    });
  }

  leave(subscriber: FeedSubscriber): void {
    const lane = this.lanes.get(subscriber.actorId);
    if (!lane?.subscribers.delete(subscriber)) return;
    if (lane.subscribers.size > 0) return;
    this.lanes.delete(lane.recipientId);
    this.dirty.delete(lane.recipientId);
    if (this.lanes.size === 0) this.deps.onEmpty(this);
  }

  /** Stops listening; with `endSubscriptions`, ends every subscription still open (server shutdown). */
  close(endSubscriptions = false): void {
    if (this.closed) return;
    this.closed = true;
    this.retry.cancel();
    void this.signals?.return?.();
    if (endSubscriptions) for (const lane of this.lanes.values()) for (const subscriber of lane.subscribers) subscriber.queue.finish();
    this.lanes.clear();
  }

  private laneOf(recipientId: string): Lane {
    const existing = this.lanes.get(recipientId);
    if (existing) return existing;
    const lane: Lane = { recipientId, subscribers: new Set(), position: 0n, ready: Promise.resolve() };
    lane.ready = this.readBaseline(lane);
    this.lanes.set(recipientId, lane);
    return lane;
  }

  private async readBaseline(lane: Lane): Promise<void> {
    for (;;) {
      try {
        lane.position = (await this.deps.store.latestNotificationSeqs(this.organizationId, [lane.recipientId])).get(lane.recipientId) ?? 0n;
        return;
      } catch (error) {
        if (this.closed || this.lanes.get(lane.recipientId) !== lane) return;
        this.deps.logger.error({ err: error, organizationId: this.organizationId }, 'reading a notification baseline failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, FEED_RETRY_MS).unref());
      }
    }
  }

  /** One reader at a time; rings that arrive meanwhile make it loop once more instead of queueing. */
  private async drain(): Promise<void> {
    if (this.draining || this.closed) return;
    this.draining = true;
    try {
      while (!this.closed && (this.dirty.size > 0 || this.accessDirty)) {
        const lanes = [...this.dirty].map((id) => this.lanes.get(id)).filter((lane): lane is Lane => lane !== undefined);
        this.dirty.clear();
        await Promise.all(lanes.map((lane) => lane.ready));
        const notifications = await this.read(lanes);
        const withNews = new Set(notifications.map((notification) => notification.recipientId));
        if (withNews.size > 0 || this.accessDirty) {
          const everyone = this.accessDirty;
          this.accessDirty = false;
          await this.authorize(everyone ? [...this.lanes.values()] : lanes.filter((lane) => withNews.has(lane.recipientId)));
        }
        this.dispatch(notifications);
      }
    } catch (error) {
      // PostgreSQL is away: nothing was handed out, so the next attempt starts from the same positions.
      this.deps.logger.error({ err: error, organizationId: this.organizationId }, 'notification feed read failed; retrying');
      for (const id of this.lanes.keys()) this.dirty.add(id);
      this.accessDirty = true;
      if (!this.closed) this.retry.schedule();
    } finally {
      this.draining = false;
    }
  }

  /** The new notifications of these lanes, in one statement; a lane that filled its batch is read again. */
  private async read(lanes: readonly Lane[]): Promise<LoadedNotification[]> {
    if (lanes.length === 0) return [];
    const ranges = lanes.map((lane) => ({ recipientId: lane.recipientId, afterSeq: lane.position, upToSeq: null }));
    const notifications = await this.deps.store.notifications(this.organizationId, ranges, BATCH);
    const counts = new Map<string, number>();
    for (const notification of notifications) counts.set(notification.recipientId, (counts.get(notification.recipientId) ?? 0) + 1);
    for (const [recipientId, count] of counts) if (count >= BATCH) this.dirty.add(recipientId);
    return notifications;
  }

  /**
   * Re-reads the sessions of these lanes' subscribers in one statement. A
   * dead session ends its connection (close 4403); a live one goes on with
   * its current viewer, which decides what it may see of each notification.
   */
  private async authorize(lanes: readonly Lane[]): Promise<void> {
    const subscribers = lanes.flatMap((lane) => [...lane.subscribers]);
    if (subscribers.length === 0) return;
    const viewers = await this.deps.store.viewers([...new Set(subscribers.map((subscriber) => subscriber.sessionId))]);
    for (const subscriber of subscribers) {
      if (!this.lanes.get(subscriber.actorId)?.subscribers.has(subscriber)) continue;
      const viewer = viewers.get(subscriber.sessionId);
      if (viewer) {
        subscriber.viewer = viewer;
        continue;
      }
      this.leave(subscriber);
      subscriber.queue.finish();
      subscriber.connection.endSession();
    }
  }

  /** Each notification to each subscriber of its recipient once, in sequence order, if that subscriber may see it now. */
  private dispatch(notifications: readonly LoadedNotification[]): void {
    for (const notification of notifications) {
      const lane = this.lanes.get(notification.recipientId);
      if (!lane) continue;
      const seq = BigInt(notification.seq);
      for (const subscriber of lane.subscribers) {
        if (subscriber.cursor === null || seq <= subscriber.cursor) continue;
        subscriber.cursor = seq;
        if (!notificationPolicy.canSee(subscriber.viewer, notification)) continue;
        const delivery = this.delivery(notification, subscriber);
        if (subscriber.held) subscriber.held.push(delivery);
        else subscriber.queue.push(delivery);
      }
      if (seq > lane.position) lane.position = seq;
    }
  }

  private delivery(notification: LoadedNotification, subscriber: FeedSubscriber): Delivery {
    return { kind: 'notification', notification, viewer: subscriber.viewer };
  }
}
