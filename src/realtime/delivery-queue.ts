/** A reader that is handed each item as it comes, instead of pulling it (see DeliveryQueue.listen). */
export interface DeliveryListener<T> {
  deliver(item: T): void;
  /** The stream ended (finish), after its last item. Not called when the reader itself stopped (return). */
  end(): void;
}

/**
 * What one subscription reads from: the feed pushes; the reader either pulls
 * (an async iterator: items wait here until asked for) or listens (each item
 * is handed over as it comes, so an idle subscription holds no pending
 * promise). `finish` ends the stream after what is queued, `return` ends it
 * at once.
 */
export class DeliveryQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: Array<(result: IteratorResult<T>) => void> = [];
  private listener: DeliveryListener<T> | null = null;
  private finished = false;
  private closed = false;

  /** @param onClose called once, when the reader stops or the stream has ended and drained */
  constructor(private readonly onClose: () => void) {}

  get isOpen(): boolean {
    return !this.finished && !this.closed;
  }

  push(item: T): void {
    if (!this.isOpen) return;
    if (this.listener) return this.listener.deliver(item);
    const reader = this.waiting.shift();
    if (reader) reader({ value: item, done: false });
    else this.items.push(item);
  }

  /** Ends the stream once the queued items are read; with `last`, drops them and ends with `last` instead. */
  finish(last?: T): void {
    if (!this.isOpen) return;
    if (last !== undefined) {
      this.items.length = 0;
      this.push(last);
    }
    this.finished = true;
    if (this.listener) {
      this.close();
      this.listener.end();
    } else if (this.items.length === 0) {
      this.drainWaiting();
    }
  }

  /** Hands every item to `listener` from now on, starting with those queued; instead of next(). */
  listen(listener: DeliveryListener<T>): void {
    this.listener = listener;
    for (const item of this.items.splice(0)) listener.deliver(item);
    if (this.finished && !this.closed) {
      this.close();
      listener.end();
    }
  }

  async next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) {
      if (this.finished && this.items.length === 0) this.close();
      return { value: item, done: false };
    }
    if (this.finished || this.closed) {
      this.close();
      return { value: undefined, done: true };
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The reader is gone (client completed, socket closed). */
  async return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.finished = true;
    this.drainWaiting();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private drainWaiting(): void {
    for (const reader of this.waiting.splice(0)) reader({ value: undefined, done: true });
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}
