/**
 * The only reader of the environment. Every setting is parsed and validated
 * once, at start; a bad value stops the process with the variable's name.
 */
export type IntrospectionMode = 'public' | 'members' | 'off';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** @default "development" */
  readonly nodeEnv: string;
  readonly isProduction: boolean;
  /** @default 4000 */
  readonly port: number;
  /** A postgres:// URL, or null for the embedded PGlite database. */
  readonly databaseUrl: string | null;
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
  /** Lifetime of a signed attachment link, in seconds. @default 900 */
  readonly attachmentUrlTtlSeconds: number;
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

function url(env: Env, name: string, protocols: readonly string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${raw}"`);
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

  const introspectionOverride = oneOf(env, 'INTROSPECTION', ['public', 'off', 'members'] as const, isProduction ? 'members' : 'public');

  return Object.freeze({
    nodeEnv,
    isProduction,
    port,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: env.DATA_DIR?.trim() || './.data/pglite',
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
    attachmentUrlTtlSeconds: integer(env, 'ATTACHMENT_URL_TTL_SECONDS', 900, 1, 7 * 24 * 3600),
  });
}
