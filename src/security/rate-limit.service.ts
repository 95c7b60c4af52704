import type { Config } from '../config';

/** What is rate limited, each with its own window and allowance. */
export type RateLimitBucket = 'logInFailure' | 'guestComment' | 'upload' | 'invitation';

/**
 * Rate limits shared by every instance through Redis (in memory without REDIS_URL).
 * `consume` throws RATE_LIMITED once a key is over its allowance.
 * TODO(issue 7): implement with rate-limiter-flexible.
 */
export class RateLimitService {
  constructor(private readonly _config: Config) {}

  async consume(_bucket: RateLimitBucket, _key: string): Promise<void> {}
}
