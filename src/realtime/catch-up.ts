import type { Delivery, FeedSubscriber } from './delivery';

/**
 * How a subscriber joins a feed that is already handing out events (a
 * conversation's comments, a recipient's notifications): with `afterSeq`,
 * what the feed has already passed since then is read page by page and
 * queued first, while the live events arriving meanwhile are held behind it
 * (`subscriber.held`), so there is neither a gap nor a duplicate. A failure
 * takes the subscriber out of the feed again.
 */
export async function joinFeed<T extends { readonly seq: string }>(
  subscriber: FeedSubscriber,
  afterSeq: bigint | null,
  feed: {
    /** Resolves once the feed knows its position. */
    ready: Promise<void>;
    /** The highest sequence the feed has handed out (or found when it started). */
    position(): bigint;
    /** Events after `from` up to `upTo`, oldest first, at most `limit`. */
    page(from: bigint, upTo: bigint, limit: number): Promise<T[]>;
    /** The subscriber's delivery of one event, or null when it may not see it. */
    delivery(event: T): Delivery | null;
    batch: number;
    leave(): void;
  },
): Promise<void> {
  try {
    await feed.ready;
    const upTo = feed.position();
    if (afterSeq === null || afterSeq >= upTo) {
      subscriber.cursor = afterSeq ?? upTo;
      return;
    }
    subscriber.cursor = upTo;
    subscriber.held = [];
    let from = afterSeq;
    while (subscriber.queue.isOpen) {
      const page = await feed.page(from, upTo, feed.batch);
      for (const event of page) {
        const delivery = feed.delivery(event);
        if (delivery) subscriber.queue.push(delivery);
      }
      if (page.length < feed.batch) break;
      from = BigInt(page[page.length - 1]!.seq);
    }
    const held = subscriber.held;
    subscriber.held = null;
    for (const delivery of held) subscriber.queue.push(delivery);
  } catch (error) {
    feed.leave();
    throw error;
  }
}
