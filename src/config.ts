import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';

/**
 * The only reader of the environment. Every setting is parsed and validated
 * once, at start; a bad value stops the process with the variable's name.
 */
export type IntrospectionMode = 'public' | 'members' | 'off';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** How much one GraphQL operation may ask for (SPEC §10); over a limit the operation is refused before it runs. */
export interface OperationLimits {
  /** Deepest field nesting. @default 12 */
  readonly maxDepth: number;
  /** Aliased fields in one operation. @default 30 */
  readonly maxAliases: number;
  /** Lexical tokens in one document. @default 2000 */
  readonly maxTokens: number;
  /** Directives in one operation. @default 20 */
  readonly maxDirectives: number;
  /** Objects one operation may return at most, counting connection `first` sizes (see src/security/limits.ts). @default 50000 */
  readonly maxCost: number;
}

/** An allowance: at most `points` events per `durationSeconds`, per key. Null turns the limit off. */
export interface RateLimit {
  readonly points: number;
  readonly durationSeconds: number;
}

export interface RateLimits {
  /** Failed log-ins per email. @default 10 per 15 minutes */
  readonly logInFailure: RateLimit | null;
  /** Failed log-ins per client IP, whatever the email. @default 100 per minute */
  readonly logInFailureByIp: RateLimit | null;
  /** Comments posted by one guest. @default 30 per minute */
  readonly guestComment: RateLimit | null;
  /** Uploads by one actor. @default 60 per hour */
  readonly upload: RateLimit | null;
  /** Invitations (guests and members) sent by one actor. @default 50 per hour */
  readonly invitation: RateLimit | null;
  /** `signUp` calls per client IP, successful or not (each makes an organization or answers whether an email is taken). @default 20 per hour */
  readonly signUp: RateLimit | null;
  /** Failed `acceptInvitation` calls per client IP (a used, expired or unknown link; bad input). @default 20 per 15 minutes */
  readonly invitationFailure: RateLimit | null;
}

/** How many websockets, and how much subscribed work, one instance gives each client. */
export interface WebSocketLimits {
  /** Open websockets per session (one token) on an instance. @default 20 */
  readonly connectionsPerSession: number;
  /** Open websockets per client IP on an instance, authenticated or not. @default 200 */
  readonly connectionsPerIp: number;
  /**
   * The summed cost (as MAX_QUERY_COST counts it) of every subscription one
   * actor holds open on an instance: what one event may cost on their behalf. @default 5000
   */
  readonly subscriptionCostPerActor: number;
}

/** Email (SPEC §12): SMTP when configured, else `.eml` files in a folder. */
export interface MailConfig {
  /** An smtp:// or smtps:// URL (credentials in it), or null: emails are written to `outboxDir`. Required in production. */
  readonly smtpUrl: string | null;
  /** The From of every email, from MAIL_FROM ("Name <address>" or an address). @default Sidedoor <no-reply@HOST>, HOST being PUBLIC_URL's host name */
  readonly from: { readonly name: string; readonly address: string };
  /** Where emails are written, one `.eml` file each, when there is no SMTP_URL. @default "outbox" beside DATA_DIR ("./.data/outbox") */
  readonly outboxDir: string;
  /** Seconds between a notification and its email. @default 120 */
  readonly notificationDelaySeconds: number;
}

/** The durable job queue (pg-boss) that every instance runs. */
export interface JobConfig {
  /** Jobs one instance runs at once; also the SMTP connections it keeps. @default 10 */
  readonly concurrency: number;
  /** How often an idle worker looks for due jobs, in milliseconds (at least 500). @default 1000 */
  readonly pollIntervalMs: number;
  /**
   * A job still running after this many seconds (its instance died, or it hung) is given back
   * and retried by any instance. Longer than any delivery can take (SMTP timeouts add up to 90 s). @default 300
   */
  readonly staleSeconds: number;
  /** Delay before the first retry, in seconds: the first retry comes after 1 to 2 times this, and the delay doubles each time. @default 15 */
  readonly retryDelaySeconds: number;
  /** Retries after the first attempt. The default 13 with a 15 s delay keeps retrying for at least 34 hours. @default 13 */
  readonly retryLimit: number;
}

export interface Config {
  /** @default "development" */
  readonly nodeEnv: string;
  readonly isProduction: boolean;
  /** @default 4000 */
  readonly port: number;
  /** A postgres:// URL, or null for the embedded PGlite database. */
  readonly databaseUrl: string | null;
  /**
   * Connections each instance keeps open to PostgreSQL. PostgreSQL runs one
   * process per connection: more connections than cores only add contention
   * on a busy machine (a pool of 20 on 2 cores cost PostgreSQL a third more
   * CPU per request than one of 4). Size it to the database's cores, divided
   * among the instances that share it. @default 2 x CPU cores, at least 4
   */
  readonly databasePoolSize: number;
  /** Where the embedded database keeps its files. @default "./.data/pglite" */
  readonly dataDir: string;
  /** A redis:// URL, or null for in-process pub/sub. */
  readonly redisUrl: string | null;
  /** Prefix of every Redis key and channel, so several deployments can share a server. @default "sidedoor:" */
  readonly redisPrefix: string;
  /** @default "http://localhost:PORT" */
  readonly publicUrl: string;
  /** Signs session tokens and attachment links. Required in production. */
  readonly sessionSecret: string;
  /** @default 26214400 (25 MiB) */
  readonly maxUploadBytes: number;
  /** @default 5 */
  readonly guestsPerMember: number;
  /** @default 5 */
  readonly conversationsPerGuest: number;
  /** Origins allowed to open websockets and send credentialed requests; empty means any. */
  readonly allowedOrigins: readonly string[];
  /** @default "public" outside production, "members" in production */
  readonly introspection: IntrospectionMode;
  /** @default "info" ("silent" under test) */
  readonly logLevel: LogLevel;
  /** log2 of the scrypt cost N for new password hashes. @default 15 */
  readonly passwordHashCost: number;
  /**
   * Password hashes computed at once by an instance; more wait their turn, log-ins first.
   * @default the number of CPU cores minus one (at least 1, at most 4: libuv's thread pool)
   */
  readonly passwordHashConcurrency: number;
  /** Lifetime of a signed attachment link, in seconds. @default 900 */
  readonly attachmentUrlTtlSeconds: number;
  /** MAX_QUERY_DEPTH, MAX_QUERY_ALIASES, MAX_QUERY_TOKENS, MAX_QUERY_DIRECTIVES, MAX_QUERY_COST. */
  readonly operationLimits: OperationLimits;
  /**
   * RATE_LIMIT_LOGIN_EMAIL, RATE_LIMIT_LOGIN_IP, RATE_LIMIT_GUEST_COMMENT, RATE_LIMIT_UPLOAD, RATE_LIMIT_INVITATION,
   * RATE_LIMIT_SIGNUP, RATE_LIMIT_ACCEPT_INVITATION.
   */
  readonly rateLimits: RateLimits;
  /** WS_MAX_CONNECTIONS_PER_SESSION, WS_MAX_CONNECTIONS_PER_IP, WS_MAX_SUBSCRIPTION_COST_PER_ACTOR. */
  readonly webSocketLimits: WebSocketLimits;
  /**
   * Which proxies' `X-Forwarded-For` to believe for the client IP (Express's
   * "trust proxy"): a hop count, or addresses/subnets and the names loopback,
   * linklocal, uniquelocal. Per-IP rate limits depend on it. @default "loopback"
   */
  readonly trustProxy: number | string;
  /**
   * Whether `GET /graphql` answers a browser with GraphiQL (and `/` with a page
   * linking to it). API clients are answered as before either way.
   * @default true outside production, false in production
   */
  readonly graphiql: boolean;
  /** SMTP_URL, MAIL_FROM, OUTBOX_DIR, EMAIL_DELAY_SECONDS. */
  readonly mail: MailConfig;
  /** JOB_CONCURRENCY, JOB_POLL_INTERVAL_MS, JOB_STALE_SECONDS, JOB_RETRY_DELAY_SECONDS, JOB_RETRY_LIMIT. */
  readonly jobs: JobConfig;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const DEV_SESSION_SECRET = 'sidedoor-development-secret-do-not-use-in-production';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** `secret`: the value may hold a password, so a bad one is not repeated in the message. */
function url(env: Env, name: string, protocols: readonly string[], options: { secret?: boolean } = {}): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, options.secret ? 'must be a URL' : `must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.trim().toLowerCase() as T;
  if (!allowed.includes(value)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return value;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "10/15m" (10 per 15 minutes), "30/1m", "60/h"; "off" turns the limit off. */
function rateLimit(env: Env, name: string, fallback: RateLimit): RateLimit | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (raw.trim().toLowerCase() === 'off') return null;
  const match = /^(\d+)\s*\/\s*(\d*)\s*([smhd])$/i.exec(raw.trim());
  const points = match ? Number(match[1]) : NaN;
  const durationSeconds = match ? Number(match[2] || '1') * DURATION_UNITS[match[3]!.toLowerCase()]! : NaN;
  if (!match || points < 1 || points > 1_000_000 || durationSeconds < 1 || durationSeconds > 30 * 86400) {
    throw new ConfigError(name, `must look like "10/15m" (at most 10 per 15 minutes; units s, m, h, d; up to 30 days) or "off", got "${raw}"`);
  }
  return { points, durationSeconds };
}

/**
 * One core is left to the event loop (and to PostgreSQL's driver, PGlite's
 * WebAssembly, the websockets), so a flood of sign-ups cannot starve the rest;
 * never more than libuv's four threads, where waiting hashes could no longer
 * be put in order.
 */
export function defaultDatabasePoolSize(): number {
  return Math.max(4, 2 * availableParallelism());
}

function defaultHashConcurrency(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustProxy(env: Env): number | string {
  const raw = env.TRUST_PROXY?.trim();
  if (!raw) return 'loopback';
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const validBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!(PROXY_NAMES.has(entry) || (family !== 0 && validBits && extra === undefined))) {
      throw new ConfigError('TRUST_PROXY', `must be a hop count or a comma-separated list of addresses, subnets, loopback, linklocal or uniquelocal, got "${entry}"`);
    }
  }
  return entries.join(', ');
}

const ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+$/;

/**
 * "Name <address>" or a bare address, on one line: it becomes the From header
 * of every email. Kept apart, so that a comma or quote in the name can never
 * be read as a second address.
 */
function mailFrom(env: Env, publicUrl: string): MailConfig['from'] {
  const raw = env.MAIL_FROM?.trim();
  if (!raw) return Object.freeze({ name: 'Sidedoor', address: `no-reply@${new URL(publicUrl).hostname}` });
  const match = /^(?:([^<>]*)<([^<>]+)>|([^<>]+))$/.exec(raw);
  const address = (match?.[2] ?? match?.[3] ?? '').trim();
  if (/\p{Cc}/u.test(raw) || !ADDRESS.test(address)) {
    throw new ConfigError('MAIL_FROM', `must be an email address, optionally with a name ("Sidedoor <no-reply@example.com>"), got "${raw}"`);
  }
  const name = (match?.[1] ?? '').trim().replace(/^"(.*)"$/, '$1');
  return Object.freeze({ name, address });
}

/** Beside the embedded database's folder rather than inside it: that folder belongs to PostgreSQL. */
function outboxDir(env: Env, dataDir: string): string {
  const explicit = env.OUTBOX_DIR?.trim();
  if (explicit) return explicit;
  return dataDir === 'memory://' ? './.data/outbox' : join(dirname(dataDir), 'outbox');
}

function mail(env: Env, isProduction: boolean, publicUrl: string, dataDir: string): MailConfig {
  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:'], { secret: true });
  if (isProduction && !smtpUrl) {
    throw new ConfigError('SMTP_URL', 'is required when NODE_ENV=production (without it, emails are only written to files)');
  }
  return Object.freeze({
    smtpUrl,
    from: mailFrom(env, publicUrl),
    outboxDir: outboxDir(env, dataDir),
    notificationDelaySeconds: integer(env, 'EMAIL_DELAY_SECONDS', 120, 0, 7 * 24 * 3600),
  });
}

function jobs(env: Env): JobConfig {
  return Object.freeze({
    concurrency: integer(env, 'JOB_CONCURRENCY', 10, 1, 500),
    pollIntervalMs: integer(env, 'JOB_POLL_INTERVAL_MS', 1000, 500, 60_000),
    // pg-boss refuses expiries of 24 hours or more.
    staleSeconds: integer(env, 'JOB_STALE_SECONDS', 300, 1, 23 * 3600),
    retryDelaySeconds: integer(env, 'JOB_RETRY_DELAY_SECONDS', 15, 1, 3600),
    retryLimit: integer(env, 'JOB_RETRY_LIMIT', 13, 0, 100),
  });
}

/** Reads and validates the configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV?.trim() || 'development';
  const isProduction = nodeEnv === 'production';
  const port = integer(env, 'PORT', 4000, 0, 65535);

  const sessionSecret = env.SESSION_SECRET ?? '';
  if (isProduction && sessionSecret.length === 0) {
    throw new ConfigError('SESSION_SECRET', 'is required when NODE_ENV=production');
  }
  if (sessionSecret.length > 0 && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET', 'must be at least 32 characters');
  }

  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`;
  const allowedOrigins = (env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of allowedOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) {
      throw new ConfigError('ALLOWED_ORIGINS', `must be a comma-separated list of origins like https://app.example.com, got "${origin}"`);
    }
  }

  const dataDir = env.DATA_DIR?.trim() || './.data/pglite';
  const introspectionOverride = oneOf(env, 'INTROSPECTION', ['public', 'off', 'members'] as const, isProduction ? 'members' : 'public');

  return Object.freeze({
    nodeEnv,
    isProduction,
    port,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', defaultDatabasePoolSize(), 1, 1000),
    dataDir,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: env.REDIS_PREFIX?.trim() || 'sidedoor:',
    publicUrl: publicUrl.replace(/\/+$/, ''),
    sessionSecret: sessionSecret || DEV_SESSION_SECRET,
    // At most 2^31 - 1: `Attachment.size` is a GraphQL Int.
    maxUploadBytes: integer(env, 'MAX_UPLOAD_BYTES', 25 * 1024 * 1024, 1, 2 ** 31 - 1),
    guestsPerMember: integer(env, 'GUESTS_PER_MEMBER', 5, 0, 10_000),
    conversationsPerGuest: integer(env, 'CONVERSATIONS_PER_GUEST', 5, 0, 10_000),
    allowedOrigins: Object.freeze(allowedOrigins),
    introspection: introspectionOverride,
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info'),
    passwordHashCost: integer(env, 'PASSWORD_HASH_COST', 15, 10, 20),
    passwordHashConcurrency: integer(env, 'PASSWORD_HASH_CONCURRENCY', defaultHashConcurrency(), 1, 64),
    attachmentUrlTtlSeconds: integer(env, 'ATTACHMENT_URL_TTL_SECONDS', 900, 1, 7 * 24 * 3600),
    operationLimits: Object.freeze({
      maxDepth: integer(env, 'MAX_QUERY_DEPTH', 12, 2, 100),
      maxAliases: integer(env, 'MAX_QUERY_ALIASES', 30, 0, 1000),
      maxTokens: integer(env, 'MAX_QUERY_TOKENS', 2000, 100, 100_000),
      maxDirectives: integer(env, 'MAX_QUERY_DIRECTIVES', 20, 0, 1000),
      maxCost: integer(env, 'MAX_QUERY_COST', 50_000, 1, 100_000_000),
    }),
    rateLimits: Object.freeze({
      logInFailure: rateLimit(env, 'RATE_LIMIT_LOGIN_EMAIL', { points: 10, durationSeconds: 15 * 60 }),
      logInFailureByIp: rateLimit(env, 'RATE_LIMIT_LOGIN_IP', { points: 100, durationSeconds: 60 }),
      guestComment: rateLimit(env, 'RATE_LIMIT_GUEST_COMMENT', { points: 30, durationSeconds: 60 }),
      upload: rateLimit(env, 'RATE_LIMIT_UPLOAD', { points: 60, durationSeconds: 3600 }),
      invitation: rateLimit(env, 'RATE_LIMIT_INVITATION', { points: 50, durationSeconds: 3600 }),
      signUp: rateLimit(env, 'RATE_LIMIT_SIGNUP', { points: 20, durationSeconds: 3600 }),
      invitationFailure: rateLimit(env, 'RATE_LIMIT_ACCEPT_INVITATION', { points: 20, durationSeconds: 15 * 60 }),
    }),
    webSocketLimits: Object.freeze({
      connectionsPerSession: integer(env, 'WS_MAX_CONNECTIONS_PER_SESSION', 20, 1, 100_000),
      connectionsPerIp: integer(env, 'WS_MAX_CONNECTIONS_PER_IP', 200, 1, 1_000_000),
      subscriptionCostPerActor: integer(env, 'WS_MAX_SUBSCRIPTION_COST_PER_ACTOR', 5000, 1, 100_000_000),
    }),
    trustProxy: trustProxy(env),
    graphiql: oneOf(env, 'GRAPHIQL', ['on', 'off'] as const, isProduction ? 'off' : 'on') === 'on',
    mail: mail(env, isProduction, publicUrl, dataDir),
    jobs: jobs(env),
  });
}
