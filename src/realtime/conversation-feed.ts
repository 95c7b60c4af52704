import type { LoadedComment } from '../comment/comment.loader';
import type { ConversationEntity } from '../conversation/conversation.entity';
import { conversationPolicy } from '../conversation/conversation.policy';
import { forbidden } from '../errors';
import type { Logger } from '../logger';
import { joinFeed } from './catch-up';
import { FEED_RETRY_MS, RetryLater } from './retry';
import type { Delivery, FeedSubscriber } from './delivery';
import type { FeedStore } from './feed.store';
import { Topic, type PubSubTransport } from './pubsub';

const BATCH = 100;
/**
 * Subscribers handed an event before the feed yields to the event loop. Each
 * hand-over ends in a websocket frame written in the same turn; at thousands
 * of subscribers one uninterrupted loop holds up everything else the
 * instance does, including the database round trips of a postComment that
 * holds its conversation's row lock meanwhile. Slices keep each turn short.
 */
const SUBSCRIBERS_PER_TURN = 500;
/** setTimeout's longest delay; an expiry further away is re-armed when this one fires (or at any re-authorization before). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Everything one instance does for one conversation that has subscribers
 * here. It holds the conversation's single channel subscription (the
 * doorbell); on each ring it reads the new comments once, re-authorizes all
 * its subscribers in one statement, and hands each subscriber each comment
 * exactly once, in sequence order. Sequence order is commit order within a
 * conversation (sequences are taken under the conversation's row lock), so
 * "everything after the last one delivered" never skips a comment.
 */
export class ConversationFeed {
  private readonly subscribers = new Set<FeedSubscriber>();
  /** The highest comment sequence handed out (or present when the feed started). */
  private position = 0n;
  private ready: Promise<void> = Promise.resolve();
  private commentsDirty = false;
  private accessDirty = false;
  private draining = false;
  private closed = false;
  private readonly retry = new RetryLater(() => void this.drain());
  /** One timer per feed, at the earliest end of its subscribers' accesses to this conversation. */
  private expiryTimer: NodeJS.Timeout | null = null;
  private expiryAt: number | null = null;
  private signals: AsyncIterator<unknown> | null = null;

  constructor(
    /** Refreshed with every batch of comments. */
    private conversation: ConversationEntity,
    private readonly deps: {
      transport: PubSubTransport;
      store: FeedStore;
      logger: Logger;
      onEmpty: (feed: ConversationFeed) => void;
    },
  ) {}

  get conversationId(): string {
    return this.conversation.id;
  }

  get organizationId(): string {
    return this.conversation.organizationId;
  }

  /** Subscribers receiving live comments (joined, catch-up read). */
  get liveCount(): number {
    let count = 0;
    for (const subscriber of this.subscribers) if (subscriber.cursor !== null && subscriber.held === null) count += 1;
    return count;
  }

  start(): void {
    const { transport } = this.deps;
    const signals = transport.pubSub.subscribe(Topic.COMMENT_ADDED, this.conversation.id)[Symbol.asyncIterator]();
    this.signals = signals;
    // The first next() subscribes the channel; every signal after that is only a doorbell.
    void (async () => {
      try {
        for (let result = await signals.next(); !result.done; result = await signals.next()) this.ring();
      } catch (error) {
        if (!this.closed) this.deps.logger.error({ err: error, conversationId: this.conversation.id }, 'comment signals failed');
      }
    })();
    this.ready = this.readBaseline();
    // A comment committed after the baseline but published before the channel
    // subscription was active rang no bell here: look once more when it is.
    void transport.subscribed(Topic.COMMENT_ADDED, this.conversation.id).then(() => this.ring());
  }

  /** A comment may have been committed: read what is new. */
  ring(): void {
    this.commentsDirty = true;
    void this.drain();
  }

  /** Access may have changed: re-authorize every subscriber now. */
  recheck(): void {
    this.accessDirty = true;
    void this.drain();
  }

  hasActor(actorIds: readonly string[]): boolean {
    for (const subscriber of this.subscribers) if (actorIds.includes(subscriber.actorId)) return true;
    return false;
  }

  /**
   * Adds a subscriber. With `afterSeq`, the comments after it that this feed
   * has already passed are read and queued first; live comments arriving
   * meanwhile wait behind them, so there is neither a gap nor a duplicate.
   */
  async join(subscriber: FeedSubscriber, afterSeq: bigint | null): Promise<void> {
    // In the set from the start, so the feed cannot close under a joining subscriber.
    this.subscribers.add(subscriber);
    this.armExpiry();
    await joinFeed(subscriber, afterSeq, {
      ready: this.ready,
      position: () => this.position,
      page: (from, upTo, limit) => this.deps.store.comments(this.conversation, from, upTo, limit),
      delivery: (comment) => ({ kind: 'comment', comment, viewer: subscriber.viewer, conversation: this.conversation }),
      batch: BATCH,
      leave: () => this.leave(subscriber),
    });
  }

  leave(subscriber: FeedSubscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    if (this.subscribers.size === 0) this.deps.onEmpty(this);
  }

  /** Stops listening; with `endSubscriptions`, ends every subscription still open (server shutdown). */
  close(endSubscriptions = false): void {
    if (this.closed) return;
    this.closed = true;
    this.retry.cancel();
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    void this.signals?.return?.();
    if (endSubscriptions) for (const subscriber of this.subscribers) subscriber.queue.finish();
    this.subscribers.clear();
  }

  private async readBaseline(): Promise<void> {
    for (;;) {
      try {
        this.position = await this.deps.store.latestSeq(this.conversation);
        return;
      } catch (error) {
        if (this.closed) return;
        this.deps.logger.error({ err: error, conversationId: this.conversation.id }, 'reading the feed baseline failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, FEED_RETRY_MS).unref());
      }
    }
  }

  /** One reader at a time; rings that arrive meanwhile make it loop once more instead of queueing. */
  private async drain(): Promise<void> {
    if (this.draining || this.closed) return;
    this.draining = true;
    try {
      await this.ready;
      while (!this.closed && (this.commentsDirty || this.accessDirty)) {
        let comments: LoadedComment[] = [];
        if (this.commentsDirty) {
          this.commentsDirty = false;
          comments = await this.deps.store.comments(this.conversation, this.position, null, BATCH);
          if (comments.length === BATCH) this.commentsDirty = true;
        }
        if (comments.length > 0 || this.accessDirty) {
          this.accessDirty = false;
          const [, conversation] = await Promise.all([
            this.authorize(),
            comments.length > 0 ? this.deps.store.conversation(this.conversation) : null,
          ]);
          if (conversation) this.conversation = conversation;
        }
        await this.dispatch(comments);
      }
    } catch (error) {
      // PostgreSQL is away: nothing was handed out, so the next attempt starts from the same position.
      this.deps.logger.error({ err: error, conversationId: this.conversation.id }, 'feed read failed; retrying');
      this.commentsDirty = true;
      this.accessDirty = true;
      if (!this.closed) this.retry.schedule();
    } finally {
      this.draining = false;
    }
  }

  /**
   * Re-reads every subscriber's session and access in one statement. A dead
   * session ends its connection; a live one without access to this
   * conversation any more gets FORBIDDEN and its subscription completes.
   */
  private async authorize(): Promise<void> {
    const subscribers = [...this.subscribers];
    if (subscribers.length === 0) return;
    const viewers = await this.deps.store.viewers([...new Set(subscribers.map((subscriber) => subscriber.sessionId))]);
    for (const subscriber of subscribers) {
      if (!this.subscribers.has(subscriber)) continue;
      const viewer = viewers.get(subscriber.sessionId);
      if (!viewer) {
        this.leave(subscriber);
        subscriber.queue.finish();
        subscriber.connection.endSession();
      } else if (!conversationPolicy.canRead(viewer, this.conversation)) {
        this.leave(subscriber);
        subscriber.queue.finish({ kind: 'denied', error: forbidden('You no longer have access to this conversation.') });
      } else {
        subscriber.viewer = viewer;
      }
    }
    this.armExpiry();
  }

  /**
   * Expiry is a moment, not an event anyone publishes: each instance's feed
   * keeps one timer at the earliest end among its own subscribers' accesses
   * (re-armed after every re-authorization and every join), so every
   * instance cuts its own subscribers when that moment comes. The timer
   * re-authorizes at once and, alongside, settles the expired accesses
   * (their audit events; whichever instance is first writes them).
   */
  private armExpiry(): void {
    let earliest: number | null = null;
    for (const subscriber of this.subscribers) {
      const end = subscriber.viewer.guestAccess.get(this.conversation.id)?.expiresAt ?? null;
      if (end !== null && (earliest === null || end < earliest)) earliest = end;
    }
    if (earliest === this.expiryAt && (earliest === null || this.expiryTimer)) return;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    this.expiryAt = earliest;
    if (earliest === null || this.closed) return;
    this.expiryTimer = setTimeout(() => this.expired(), Math.min(Math.max(earliest - Date.now(), 0), MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  private expired(): void {
    this.expiryTimer = null;
    this.expiryAt = null;
    this.recheck();
    this.deps.store.settleExpiredAccess(this.conversation).catch((error: unknown) => {
      // Nothing is lost: the next one to notice (a request, the audit log being read) settles it.
      if (!this.closed) this.deps.logger.warn({ err: error, conversationId: this.conversation.id }, 'settling expired access failed');
    });
  }

  /**
   * Hands each comment to every subscriber, in order, yielding to the event
   * loop every SUBSCRIBERS_PER_TURN. Subscribers joining meanwhile are visited
   * too (a Set iterates what is added during the loop) and their cursors keep
   * anything from arriving twice.
   */
  private async dispatch(comments: readonly LoadedComment[]): Promise<void> {
    let handed = 0;
    for (const comment of comments) {
      const seq = BigInt(comment.seq);
      for (const subscriber of this.subscribers) {
        if (++handed % SUBSCRIBERS_PER_TURN === 0) {
          await new Promise(setImmediate);
          if (this.closed) return;
          if (!this.subscribers.has(subscriber)) continue;
        }
        if (subscriber.cursor === null || seq <= subscriber.cursor) continue;
        subscriber.cursor = seq;
        const delivery: Delivery = { kind: 'comment', comment, viewer: subscriber.viewer, conversation: this.conversation };
        if (subscriber.held) subscriber.held.push(delivery);
        else subscriber.queue.push(delivery);
      }
      if (seq > this.position) this.position = seq;
    }
  }
}
