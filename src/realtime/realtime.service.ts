import type { DataSource } from 'typeorm';
import type { SessionService } from '../auth/session.service';
import type { Viewer } from '../auth/viewer';
import type { Config } from '../config';
import type { ConversationEntity } from '../conversation/conversation.entity';
import type { Logger } from '../logger';
import type { LiveConnection } from './connection';
import { ConversationFeed } from './conversation-feed';
import type { Delivery, FeedSubscriber } from './delivery';
import { DeliveryQueue } from './delivery-queue';
import type { DomainEvents } from './events';
import { PostgresFeedStore, type ConversationExpiry } from './feed.store';
import { NotificationFeed } from './notification-feed';
import { createPubSubTransport, Topic, type ControlSignal, type PubSubTransport, type Topics } from './pubsub';

/**
 * Every feed re-reads and re-authorizes at least this often even if no
 * message reached this instance (one lost in a network partition, an expired
 * session). Messages make it happen at once.
 */
const SWEEP_INTERVAL_MS = 30_000;

interface OrganizationWatch {
  readonly feeds: Set<ConversationFeed>;
  /** The organization's `notificationAdded` feed, while it has subscribers here. */
  notifications: NotificationFeed | null;
  readonly signals: AsyncIterator<unknown>;
}

/**
 * The real-time layer of one instance: it publishes domain events after their
 * commit, and serves `commentAdded` subscriptions through one feed per
 * conversation, `notificationAdded` through one feed per organization, and
 * one control channel per organization with subscribers here.
 */
export class RealtimeService {
  /** What services call after a commit. Never throws: a failed publish is logged and PostgreSQL stays the truth. */
  readonly events: DomainEvents;
  private readonly store: PostgresFeedStore;
  private readonly logger: Logger;
  private transport: PubSubTransport | null = null;
  private readonly feeds = new Map<string, ConversationFeed>();
  private readonly notificationFeeds = new Map<string, NotificationFeed>();
  private readonly organizations = new Map<string, OrganizationWatch>();
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: { dataSource: DataSource; config: Config; logger: Logger; sessions: SessionService; expiry: ConversationExpiry },
  ) {
    this.logger = deps.logger.child({ component: 'realtime' });
    this.store = new PostgresFeedStore(deps.dataSource, deps.sessions, deps.expiry);
    this.events = {
      commentAdded: async ({ conversationId, commentId, seq }) => {
        const published = await this.publish(Topic.COMMENT_ADDED, conversationId, { conversationId, commentId, seq });
        // Redis is away: subscribers on this instance still hear of it; the others catch up when it returns.
        if (!published) this.feeds.get(conversationId)?.ring();
      },
      accessChanged: async ({ organizationId, conversationIds }) => {
        await this.control({ type: 'accessChanged', organizationId, conversationIds: [...conversationIds] });
      },
      sessionsChanged: async ({ organizationId, actorIds }) => {
        await this.control({ type: 'sessionsChanged', organizationId, actorIds: actorIds ? [...actorIds] : null });
      },
      notificationsAdded: async ({ organizationId, recipientIds }) => {
        const published = await this.publish(Topic.NOTIFICATION_ADDED, organizationId, { organizationId, recipientIds: [...recipientIds] });
        if (published) return;
        // Redis is away: subscribers here still hear of it. The transport sends the channel's last doorbell
        // again when Redis returns; this one names nobody in particular, so that it stands for every one lost.
        this.notificationFeeds.get(organizationId)?.ring(recipientIds);
        await this.publish(Topic.NOTIFICATION_ADDED, organizationId, { organizationId, recipientIds: null });
      },
    };
  }

  /** 'redis' or 'in-process', once started. */
  get transportKind(): PubSubTransport['kind'] | null {
    return this.transport?.kind ?? null;
  }

  /** Connects to Redis (or sets up in-process pub/sub). Does not wait for Redis: an outage must not stop the server. */
  start(): void {
    if (this.transport) return;
    this.transport = createPubSubTransport(this.deps.config, this.deps.logger);
    // Doorbells and control messages published during an outage are gone: ask PostgreSQL.
    this.transport.onReconnect(() => this.catchUpAll());
    this.sweepTimer = setInterval(() => this.catchUpAll(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /** How many subscriptions of this conversation this instance serves live: for health checks and tests. */
  liveSubscriptions(conversationId: string): number {
    return this.feeds.get(conversationId)?.liveCount ?? 0;
  }

  /** How many `notificationAdded` subscriptions of this actor this instance serves live: for health checks and tests. */
  liveNotificationSubscriptions(organizationId: string, actorId: string): number {
    return this.notificationFeeds.get(organizationId)?.liveCount(actorId) ?? 0;
  }

  /** Whether the pub/sub backend answers: true in process. */
  async ping(): Promise<boolean> {
    return this.transport ? this.transport.ping() : false;
  }

  /** Ends every subscription of this instance and disconnects. */
  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    for (const feed of [...this.feeds.values(), ...this.notificationFeeds.values()]) feed.close(true);
    this.feeds.clear();
    this.notificationFeeds.clear();
    for (const watch of this.organizations.values()) void watch.signals.return?.();
    this.organizations.clear();
    const transport = this.transport;
    this.transport = null;
    await transport?.close();
  }

  /**
   * The comments of a conversation the viewer may read (the caller checked):
   * those after `afterSeq` (when given) first, then each new one, as the
   * subscriber's own deliveries, until the subscriber leaves, loses access
   * (a last `denied` delivery) or its session ends (the connection is told).
   */
  async subscribeToComments(
    subscriber: { viewer: Viewer; connection: LiveConnection },
    conversation: ConversationEntity,
    afterSeq: bigint | null,
  ): Promise<AsyncIterableIterator<Delivery>> {
    return this.join(this.feedFor(conversation), subscriber, afterSeq);
  }

  /**
   * The viewer's own notifications: those after `afterSeq` (when given)
   * first, then each new one, as the subscriber's own deliveries, each only
   * while the subscriber may see it, until the subscriber leaves or its
   * session ends (the connection is told).
   */
  async subscribeToNotifications(subscriber: { viewer: Viewer; connection: LiveConnection }, afterSeq: bigint | null): Promise<AsyncIterableIterator<Delivery>> {
    return this.join(this.notificationFeedFor(subscriber.viewer.organizationId), subscriber, afterSeq);
  }

  /** A new subscription of `feed`: its record there, and the queue the subscription reads. */
  private async join(
    feed: ConversationFeed | NotificationFeed,
    { viewer, connection }: { viewer: Viewer; connection: LiveConnection },
    afterSeq: bigint | null,
  ): Promise<AsyncIterableIterator<Delivery>> {
    const member: FeedSubscriber = {
      sessionId: viewer.sessionId,
      actorId: viewer.actorId,
      viewer,
      cursor: null,
      held: null,
      queue: new DeliveryQueue<Delivery>(() => feed.leave(member)),
      connection,
    };
    await feed.join(member, afterSeq);
    return member.queue;
  }

  private catchUpAll(): void {
    for (const feed of [...this.feeds.values(), ...this.notificationFeeds.values()]) {
      feed.recheck();
      feed.ring();
    }
  }

  private notificationFeedFor(organizationId: string): NotificationFeed {
    const existing = this.notificationFeeds.get(organizationId);
    if (existing) return existing;
    const feed = new NotificationFeed(organizationId, {
      transport: this.started(),
      store: this.store,
      logger: this.logger,
      onEmpty: (empty) => this.dropNotificationFeed(empty),
    });
    this.notificationFeeds.set(organizationId, feed);
    this.watch(organizationId).notifications = feed;
    feed.start();
    return feed;
  }

  private dropNotificationFeed(feed: NotificationFeed): void {
    if (this.notificationFeeds.get(feed.organizationId) === feed) this.notificationFeeds.delete(feed.organizationId);
    feed.close();
    const watch = this.organizations.get(feed.organizationId);
    if (watch?.notifications === feed) watch.notifications = null;
    this.unwatchIfIdle(feed.organizationId);
  }

  private feedFor(conversation: ConversationEntity): ConversationFeed {
    const existing = this.feeds.get(conversation.id);
    if (existing) return existing;
    const feed = new ConversationFeed(conversation, {
      transport: this.started(),
      store: this.store,
      logger: this.logger,
      onEmpty: (empty) => this.dropFeed(empty),
    });
    this.feeds.set(conversation.id, feed);
    this.watch(conversation.organizationId).feeds.add(feed);
    feed.start();
    return feed;
  }

  private dropFeed(feed: ConversationFeed): void {
    if (this.feeds.get(feed.conversationId) === feed) this.feeds.delete(feed.conversationId);
    feed.close();
    this.organizations.get(feed.organizationId)?.feeds.delete(feed);
    this.unwatchIfIdle(feed.organizationId);
  }

  /** Leaves the organization's control channel once no feed of it is left here. */
  private unwatchIfIdle(organizationId: string): void {
    const watch = this.organizations.get(organizationId);
    if (!watch || watch.feeds.size > 0 || watch.notifications) return;
    this.organizations.delete(organizationId);
    void watch.signals.return?.();
  }

  /** The organization's control channel, subscribed while any of its conversations has a feed here. */
  private watch(organizationId: string): OrganizationWatch {
    const existing = this.organizations.get(organizationId);
    if (existing) return existing;
    const transport = this.started();
    const signals = transport.pubSub.subscribe(Topic.CONTROL, organizationId)[Symbol.asyncIterator]();
    const watch: OrganizationWatch = { feeds: new Set(), notifications: null, signals };
    this.organizations.set(organizationId, watch);
    void (async () => {
      try {
        for (let result = await signals.next(); !result.done; result = await signals.next()) this.onControl(result.value as ControlSignal);
      } catch (error) {
        this.logger.error({ err: error, organizationId }, 'control signals failed');
      }
    })();
    // Access may have changed between the subscriber's check and this channel becoming active.
    void transport.subscribed(Topic.CONTROL, organizationId).then(() => {
      watch.feeds.forEach((feed) => feed.recheck());
      watch.notifications?.recheck();
    });
    return watch;
  }

  private onControl(signal: ControlSignal): void {
    const watch = this.organizations.get(signal.organizationId);
    if (!watch) return;
    for (const feed of watch.feeds) {
      if (signal.type === 'accessChanged' && !signal.conversationIds.includes(feed.conversationId)) continue;
      if (signal.type === 'sessionsChanged' && signal.actorIds && !feed.hasActor(signal.actorIds)) continue;
      feed.recheck();
    }
    // Access changes need nothing here: each batch of notifications is shown as its subscriber's viewer of that moment.
    const notifications = watch.notifications;
    if (notifications && signal.type === 'sessionsChanged' && (!signal.actorIds || notifications.hasActor(signal.actorIds))) notifications.recheck();
  }

  private started(): PubSubTransport {
    if (!this.transport) throw new Error('RealtimeService: start() it before subscribing');
    return this.transport;
  }

  private async control(signal: ControlSignal): Promise<void> {
    const published = await this.publish(Topic.CONTROL, signal.organizationId, signal);
    if (!published) this.onControl(signal);
  }

  private async publish<K extends keyof Topics & string>(topic: K, id: Topics[K][0], payload: Topics[K][1]): Promise<boolean> {
    if (!this.transport) return false;
    try {
      return await this.transport.publish(topic, id, payload);
    } catch (error) {
      this.logger.error({ err: error, topic, id }, 'publish failed');
      return false;
    }
  }
}
