/** How long a feed waits before reading PostgreSQL again after a failed read. @default 1 s */
export const FEED_RETRY_MS = 1000;

/**
 * A feed's next attempt after PostgreSQL failed it: at most one armed at a
 * time (failures meanwhile do not stack), and never what keeps the process
 * alive.
 */
export class RetryLater {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly attempt: () => void) {}

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.attempt();
    }, FEED_RETRY_MS);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
