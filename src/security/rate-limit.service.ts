import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config, RateLimit, RateLimits } from '../config';
import { DomainError, ErrorCode } from '../errors';
import type { Logger } from '../logger';

/** What is rate limited, each with its own window and allowance (see `Config.rateLimits`). */
export type RateLimitBucket = keyof RateLimits;

/** What the client is told when a bucket is full; the delay is appended. */
const REFUSALS: Record<RateLimitBucket, string> = {
  logInFailure: 'Too many failed log-in attempts for this email.',
  logInFailureByIp: 'Too many failed log-in attempts from your network.',
  guestComment: 'You are posting comments too quickly.',
  upload: 'You have uploaded too many files.',
  invitation: 'You have sent too many invitations.',
  signUp: 'Too many sign-ups from your network.',
  invitationFailure: 'Too many invalid invitation links from your network.',
};

function retryIn(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 90 ? `${minutes} minutes` : `${Math.ceil(minutes / 60)} hours`;
}

export function rateLimited(bucket: RateLimitBucket, msBeforeNext: number): DomainError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new DomainError(ErrorCode.RATE_LIMITED, `${REFUSALS[bucket]} Try again in ${retryIn(retryAfterSeconds)}.`, {
    retryAfterSeconds,
  });
}

/**
 * Rate limits shared by every instance through Redis (in memory without
 * REDIS_URL). Each bucket counts events per key in a fixed window; `consume`
 * throws RATE_LIMITED once a key is over its allowance. Keys are hashed, so
 * emails and IPs are not stored in Redis in clear.
 *
 * While Redis is unreachable each instance falls back to its own in-memory
 * counters (an "insurance" limiter), so requests keep working and are still
 * limited per instance.
 */
export class RateLimitService {
  private readonly redis: Redis | null;
  private readonly limiters = new Map<RateLimitBucket, RateLimiterAbstract>();
  private lastRedisWarning = 0;

  constructor(
    private readonly config: Pick<Config, 'rateLimits' | 'redisUrl' | 'redisPrefix'>,
    private readonly logger?: Logger,
  ) {
    this.redis = config.redisUrl
      ? new Redis(config.redisUrl, {
          // Fail fast while Redis is down so the in-memory insurance answers at once.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectionName: 'sidedoor-rate-limits',
        })
      : null;
    this.redis?.on('error', (error) => {
      // ioredis retries by itself; one warning a minute is enough to be noticed.
      if (Date.now() - this.lastRedisWarning > 60_000) {
        this.lastRedisWarning = Date.now();
        this.logger?.warn({ err: error }, 'rate limits: Redis unreachable, counting in memory meanwhile');
      }
    });
    for (const [bucket, limit] of Object.entries(config.rateLimits) as [RateLimitBucket, RateLimit | null][]) {
      if (limit) this.limiters.set(bucket, this.limiter(bucket, limit));
    }
  }

  private limiter(bucket: RateLimitBucket, limit: RateLimit): RateLimiterAbstract {
    const options = { points: limit.points, duration: limit.durationSeconds, keyPrefix: `${this.config.redisPrefix}rl:${bucket}` };
    if (!this.redis) return new RateLimiterMemory(options);
    return new RateLimiterRedis({
      ...options,
      storeClient: this.redis,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  }

  /** Counts one event for `key`; throws RATE_LIMITED (with `retryAfterSeconds`) when that is over the allowance. */
  async consume(bucket: RateLimitBucket, key: string): Promise<void> {
    const limiter = this.limiters.get(bucket);
    if (!limiter) return;
    try {
      await limiter.consume(hashKey(key));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw rateLimited(bucket, rejection.msBeforeNext);
      // Neither Redis nor the insurance answered: better to serve than to lock everyone out.
      this.logger?.error({ err: rejection, bucket }, 'rate limit check failed');
    }
  }

  /** Gives back one event counted by `consume`, for an attempt that turned out not to count (a successful log-in). */
  async refund(bucket: RateLimitBucket, key: string): Promise<void> {
    await this.limiters
      .get(bucket)
      ?.reward(hashKey(key), 1)
      .catch((error: unknown) => this.logger?.warn({ err: error, bucket }, 'rate limit refund failed'));
  }

  /** Closes the Redis connection; the service must not be used afterwards. */
  async close(): Promise<void> {
    if (!this.redis) return;
    if (this.redis.status === 'ready') {
      await this.redis.quit().catch(() => this.redis!.disconnect());
    } else {
      this.redis.disconnect();
    }
  }
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 32);
}
