import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { lock as lockPath } from 'proper-lockfile';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import type { Config } from './config';
import type { Logger } from './logger';
import { pgliteDriver } from './pglite.driver';
import { migrations } from '../migrations';
import { ActorEntity } from './actor/actor.entity';
import { AttachmentEntity } from './attachment/attachment.entity';
import { AuditEventEntity } from './audit/audit.entity';
import { SessionEntity } from './auth/session.entity';
import { CommentEntity } from './comment/comment.entity';
import { ConversationEntity } from './conversation/conversation.entity';
import { GuestAccessEntity } from './guest/guest-access.entity';
import { InvitationEntity } from './invitation/invitation.entity';
import { MessageEntity } from './message/message.entity';
import { NotificationEntity } from './notification/notification.entity';
import { NotificationSettingsEntity } from './notification/notification-settings.entity';
import { OrganizationEntity } from './organization/organization.entity';
import { TaskEntity } from './task/task.entity';
import { TeamEntity } from './team/team.entity';

export const entities = [
  OrganizationEntity,
  ActorEntity,
  SessionEntity,
  InvitationEntity,
  TeamEntity,
  ConversationEntity,
  MessageEntity,
  CommentEntity,
  TaskEntity,
  AttachmentEntity,
  NotificationSettingsEntity,
  GuestAccessEntity,
  AuditEventEntity,
  NotificationEntity,
];

/**
 * Counts every SQL statement the process sends, so tests and benchmarks can
 * assert how many statements one request costs.
 */
export class StatementCounter implements TypeOrmLogger {
  count = 0;

  constructor(private readonly logger: Logger) {}

  logQuery(query: string): void {
    this.count += 1;
    if (this.logger.isLevelEnabled('trace')) this.logger.trace({ query }, 'sql');
  }
  logQueryError(error: string | Error, query: string): void {
    this.logger.debug({ err: error, query }, 'sql error');
  }
  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ time, query }, 'slow sql');
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    this.logger.info(message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn({ message }, 'typeorm');
  }
}

export interface Database {
  dataSource: DataSource;
  statements: StatementCounter;
  embedded: boolean;
  /** The embedded database's hold on its directory; null for PostgreSQL and an in-memory database. */
  dataDirLock: DataDirLock | null;
}

/** Another process holds the embedded database's directory: this one must not open it. */
export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string) {
    super(
      `Another Sidedoor process (a server, or npm run migrate) is using the embedded database in ${dataDir}. ` +
        'Two processes on one embedded database drift apart and lose writes, so this one stops. ' +
        'Stop the other process first, or give this one its own DATA_DIR; to run several instances, use PostgreSQL (DATABASE_URL).',
    );
    this.name = 'DataDirLockedError';
  }
}

/**
 * An exclusive hold on DATA_DIR, as a lock directory beside it
 * (`<DATA_DIR>.lock`, proper-lockfile), kept fresh while the process lives
 * and taken over only once it has gone stale: a process that crashed blocks
 * the next start for at most STALE_MS.
 */
class DataDirLock {
  static readonly STALE_MS = 20_000;
  private unlock: (() => Promise<void>) | null = null;

  constructor(
    readonly dataDir: string,
    private readonly logger: Logger,
  ) {}

  async acquire(): Promise<void> {
    try {
      this.unlock = await lockPath(this.dataDir, {
        stale: DataDirLock.STALE_MS,
        update: DataDirLock.STALE_MS / 4,
        onCompromised: (error) => {
          // Another process may have taken the database over: going on would let two write it.
          this.logger.fatal({ err: error, dataDir: this.dataDir }, 'lost the lock on the embedded database; stopping');
          throw error;
        },
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'ELOCKED') throw new DataDirLockedError(this.dataDir);
      throw error;
    }
  }

  async release(): Promise<void> {
    const unlock = this.unlock;
    this.unlock = null;
    await unlock?.().catch((error: unknown) => this.logger.warn({ err: error, dataDir: this.dataDir }, 'releasing the embedded database lock failed'));
  }
}

/** PostgreSQL when DATABASE_URL is set; otherwise an embedded PGlite kept under config.dataDir. */
export function createDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'databasePoolSize'>>, logger: Logger): Database {
  const statements = new StatementCounter(logger);
  const common = {
    type: 'postgres' as const,
    entities,
    migrations,
    migrationsRun: false,
    synchronize: false,
    // gen_random_uuid() is core in PostgreSQL 13+ and in PGlite: no extension to install.
    installExtensions: false,
    logging: true as const,
    logger: statements,
    maxQueryExecutionTime: 1000,
  };
  if (config.databaseUrl) {
    return {
      dataSource: new DataSource({
        ...common,
        url: config.databaseUrl,
        // JIT compiles a query for hundreds of milliseconds once its estimated cost passes
        // jit_above_cost; our page loaders' estimates do at a few thousand rows, while
        // they run in milliseconds: an API of short queries never gains from it.
        // DATABASE_POOL_SIZE (config.ts says how to size it); a database opened without a Config (tests, tools) keeps pg's default.
        extra: { max: config.databasePoolSize, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000, options: '-c jit=off' },
      }),
      statements,
      embedded: false,
      dataDirLock: null,
    };
  }
  const inMemory = config.dataDir === 'memory://';
  if (!inMemory) mkdirSync(config.dataDir, { recursive: true });
  return {
    dataSource: new DataSource({
      ...common,
      driver: pgliteDriver(inMemory ? {} : { dataDir: config.dataDir }),
    }),
    statements,
    embedded: true,
    dataDirLock: inMemory ? null : new DataDirLock(resolve(config.dataDir), logger),
  };
}

/** Any fixed number: the advisory lock under which instances take turns migrating. */
const MIGRATION_LOCK = 0x51de_d00;

/**
 * Connects and applies pending migrations (each in its own transaction), then
 * `afterMigrations` (the job queue installs its own schema there), and returns
 * the names of the migrations it applied, oldest first. Instances starting
 * together on one PostgreSQL take turns under an advisory lock, so the first
 * migrates and the others find nothing left to do. An embedded database is
 * first locked for this process: a second one gets DataDirLockedError and
 * must stop.
 */
export async function openDatabase(database: Database, options: { afterMigrations?: () => Promise<void> } = {}): Promise<string[]> {
  const { dataSource } = database;
  await database.dataDirLock?.acquire();
  try {
    await dataSource.initialize();
  } catch (error) {
    await database.dataDirLock?.release();
    throw error;
  }
  const migrate = async () => {
    const applied = (await dataSource.runMigrations({ transaction: 'each' })).map((migration) => migration.name);
    await options.afterMigrations?.();
    return applied;
  };
  if (database.embedded) return migrate();
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await migrate();
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
}

/** Disconnects, then lets another process open the embedded database. */
export async function closeDatabase(database: Database): Promise<void> {
  try {
    if (database.dataSource.isInitialized) await database.dataSource.destroy();
  } finally {
    await database.dataDirLock?.release();
  }
}

/** Whether a database error is a unique violation, of one index when named: a race the checks before it could not see. */
export function isUniqueViolation(error: unknown, index?: string): boolean {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  return code === '23505' && (index === undefined || constraint === index);
}
