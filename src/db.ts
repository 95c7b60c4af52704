import { mkdirSync } from 'node:fs';
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
}

/** PostgreSQL when DATABASE_URL is set; otherwise an embedded PGlite kept under config.dataDir. */
export function createDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, logger: Logger): Database {
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
        extra: { max: 20, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000, options: '-c jit=off' },
      }),
      statements,
      embedded: false,
    };
  }
  if (config.dataDir !== 'memory://') mkdirSync(config.dataDir, { recursive: true });
  return {
    dataSource: new DataSource({
      ...common,
      driver: pgliteDriver(config.dataDir === 'memory://' ? {} : { dataDir: config.dataDir }),
    }),
    statements,
    embedded: true,
  };
}

/** Any fixed number: the advisory lock under which instances take turns migrating. */
const MIGRATION_LOCK = 0x51de_d00;

/**
 * Connects and applies pending migrations (each in its own transaction), then
 * `afterMigrations` (the job queue installs its own schema there), and returns
 * the names of the migrations it applied, oldest first. Instances starting
 * together on one PostgreSQL take turns under an advisory lock, so the first
 * migrates and the others find nothing left to do.
 */
export async function openDatabase(database: Database, options: { afterMigrations?: () => Promise<void> } = {}): Promise<string[]> {
  const { dataSource } = database;
  await dataSource.initialize();
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

/** Whether a database error is a unique violation, of one index when named: a race the checks before it could not see. */
export function isUniqueViolation(error: unknown, index?: string): boolean {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  return code === '23505' && (index === undefined || constraint === index);
}
