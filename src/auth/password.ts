import { createHmac, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Config } from '../config';

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

/**
 * Distinct salts (or costs) among one email's accounts that one log-in
 * attempt hashes at most. Hashes made since salts are derived from the email
 * all share one salt, whatever the number of accounts, so only hashes made
 * before (random salts) or across a change of PASSWORD_HASH_COST or
 * SESSION_SECRET can be told apart here; each log-in rewrites its own hash
 * to the current salt, so these disappear.
 */
export const MAX_SALTS_PER_LOG_IN = 4;

/** Hashes computed for log-ins go before those for new passwords (sign-ups, accepted invitations). */
export type HashPriority = 'logIn' | 'newPassword';

/** A stored hash, `scrypt$<log2 N>$<r>$<p>$<salt>$<key>`, split up. */
interface ParsedHash {
  /** Everything that decides the derived key but the password: hashes alike in this share one computation. */
  readonly parameters: string;
  readonly log2Cost: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function parse(stored: string): ParsedHash | null {
  const [scheme, log2Cost, r, p, salt, key, extra] = stored.split('$');
  if (scheme !== 'scrypt' || !log2Cost || !r || !p || !salt || !key || extra !== undefined) return null;
  return { parameters: `${log2Cost}$${r}$${p}$${salt}`, log2Cost: Number(log2Cost), r: Number(r), p: Number(p), salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

/**
 * Runs at most `concurrency` scrypt computations at once; the others wait,
 * log-ins ahead of new passwords, so a flood of sign-ups or acceptances
 * delays a log-in by at most the hashes already running.
 */
class HashQueue {
  private running = 0;
  private readonly waiting: Record<HashPriority, Array<() => void>> = { logIn: [], newPassword: [] };

  constructor(private readonly concurrency: number) {}

  get queued(): number {
    return this.waiting.logIn.length + this.waiting.newPassword.length;
  }

  async run<T>(priority: HashPriority, work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting[priority].push(resolve));
    else this.running += 1;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, so `running` never drops below what is really running.
      const next = this.waiting.logIn.shift() ?? this.waiting.newPassword.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

/**
 * Password hashing: scrypt from node:crypto (memory-hard; r=8, so N=2^15 uses
 * 32 MiB), with the cost stored in each hash so raising it later still
 * verifies old ones.
 *
 * The salt of a new hash is derived from the email (keyed by SESSION_SECRET),
 * not random: every account of one email then shares one salt, and checking a
 * password against all of them costs one scrypt computation and a comparison
 * per account. That is what keeps a log-in independent of how many
 * organizations made an account for the same email, without any cap on which
 * accounts are tried. Salts stay unique per person and unknown without the
 * secret; what a leaked database would add is only that one person used the
 * same password in two organizations.
 */
export class PasswordHasher {
  /** Every scrypt computation so far, for tests and measurements. */
  computed = 0;
  private readonly queue: HashQueue;
  private dummy?: Promise<string>;

  constructor(private readonly config: Pick<Config, 'passwordHashCost' | 'passwordHashConcurrency' | 'sessionSecret'>) {
    this.queue = new HashQueue(config.passwordHashConcurrency);
  }

  /** Computations waiting for a turn. */
  get waiting(): number {
    return this.queue.queued;
  }

  /** A new hash of `password` for an account of `email`. */
  hash(password: string, email: string, priority: HashPriority = 'newPassword'): Promise<string> {
    return this.hashWithSalt(password, this.saltFor(email), priority);
  }

  /**
   * The first of `stored` that `password` matches, or -1; one computation per
   * distinct salt and cost (in practice one), at most MAX_SALTS_PER_LOG_IN,
   * taken in the order given. With nothing to check, it still computes one
   * hash, so an unknown email takes as long as a known one.
   */
  async firstMatch(password: string, stored: readonly string[]): Promise<number> {
    const groups = new Map<string, Array<{ index: number; hash: ParsedHash }>>();
    stored.forEach((value, index) => {
      const hash = parse(value);
      if (!hash) return;
      const group = groups.get(hash.parameters);
      if (group) group.push({ index, hash });
      else if (groups.size < MAX_SALTS_PER_LOG_IN) groups.set(hash.parameters, [{ index, hash }]);
    });
    if (groups.size === 0) {
      await this.matches(password, parse(await this.dummyHash())!);
      return -1;
    }
    let found = -1;
    for (const group of groups.values()) {
      const derived = await this.derive(password, group[0]!.hash, 'logIn');
      // Every comparison runs, so the time does not tell which account matched.
      for (const { index, hash } of group) if (timingSafeEqual(derived, hash.key) && (found === -1 || index < found)) found = index;
    }
    return found;
  }

  /** Whether a stored hash predates the current salt or cost: rewrite it while the password is at hand. */
  isOutdated(stored: string, email: string): boolean {
    const hash = parse(stored);
    return !hash || hash.log2Cost !== this.config.passwordHashCost || !hash.salt.equals(this.saltFor(email));
  }

  private async matches(password: string, hash: ParsedHash): Promise<boolean> {
    return timingSafeEqual(await this.derive(password, hash, 'logIn'), hash.key);
  }

  private async hashWithSalt(password: string, salt: Buffer, priority: HashPriority): Promise<string> {
    const log2Cost = this.config.passwordHashCost;
    const key = await this.run(priority, () => scrypt(password, salt, KEY_LENGTH, { N: 2 ** log2Cost, r: 8, p: 1, maxmem: maxmem(log2Cost, 8) }));
    return `scrypt$${log2Cost}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  private derive(password: string, hash: ParsedHash, priority: HashPriority): Promise<Buffer> {
    return this.run(priority, () =>
      scrypt(password, hash.salt, hash.key.length, { N: 2 ** hash.log2Cost, r: hash.r, p: hash.p, maxmem: maxmem(hash.log2Cost, hash.r) }),
    );
  }

  private run<T>(priority: HashPriority, work: () => Promise<T>): Promise<T> {
    return this.queue.run(priority, () => {
      this.computed += 1;
      return work();
    });
  }

  private saltFor(email: string): Buffer {
    return createHmac('sha256', this.config.sessionSecret).update(`password-salt:${email.trim().toLowerCase()}`).digest().subarray(0, SALT_LENGTH);
  }

  /** What a log-in with no account to check compares against: made once, with a random salt, at the current cost. */
  private dummyHash(): Promise<string> {
    this.dummy ??= this.hashWithSalt(randomBytes(24).toString('base64'), randomBytes(SALT_LENGTH), 'logIn');
    return this.dummy;
  }
}

function maxmem(log2Cost: number, r: number): number {
  return 256 * 2 ** log2Cost * r + 1024 * 1024;
}
