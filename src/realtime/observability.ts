import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';

/**
 * Process-local observability of the real-time path, over Node's
 * `diagnostics_channel`: publishing is a no-op while nobody subscribes, and
 * nothing leaves the process unless a subscriber sends it. The bench
 * subscribes to measure fan-out latency from the commit itself
 * (bench/sidedoor-server.ts forwards each event to bench/run.ts); an APM
 * agent could subscribe the same way.
 */
export const COMMENT_COMMITTED = 'sidedoor:comment-committed';

/** A comment's transaction has just committed. */
export interface CommentCommitted {
  readonly conversationId: string;
  readonly commentId: string;
  /** When the commit returned, in ms since the epoch with sub-millisecond precision (`performance.timeOrigin + performance.now()`). */
  readonly committedAt: number;
}

const commentCommitted = channel(COMMENT_COMMITTED);

/** Called by CommentService right after the transaction commits, before anything else (read-back, publish). */
export function reportCommentCommitted(event: Omit<CommentCommitted, 'committedAt'>): void {
  if (!commentCommitted.hasSubscribers) return;
  commentCommitted.publish({ ...event, committedAt: performance.timeOrigin + performance.now() } satisfies CommentCommitted);
}
