import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { JobConfig } from '../config';
import { isDatabaseUnavailable } from '../errors';
import type { Logger } from '../logger';
import { PermanentJobFailure, TemporaryJobFailure } from './job.errors';

/** What a handler learns about the job it runs. */
export interface JobInfo {
  readonly id: string;
  readonly name: string;
  /** Attempts before this one (0 on the first). */
  readonly retryCount: number;
  readonly retryLimit: number;
}

/**
 * Runs one job. Resolving completes it; throwing PermanentJobFailure drops it;
 * throwing anything else retries it with backoff, until JOB_RETRY_LIMIT.
 * A job may run more than once (an instance that dies after the work but
 * before recording it): make the work idempotent or harmless to repeat.
 */
export type JobHandler<T> = (payload: T, job: JobInfo) => Promise<void>;

export interface EnqueueOptions {
  /** Run no earlier than this many seconds after the enqueue (counted by the database's clock). */
  readonly delaySeconds?: number;
  /** Run no earlier than this moment. */
  readonly runAt?: Date;
  /** At most one job per key and job name while the job is kept: enqueuing the same key again adds nothing. */
  readonly key?: string;
}

/** One job of a batch: its payload and how it is queued. */
export interface JobToEnqueue<T> {
  readonly payload: T;
  readonly options?: EnqueueOptions;
}

/** What a service needs of the queue: adding jobs inside its own transaction. */
export interface JobEnqueuer<Payloads> {
  enqueue<K extends keyof Payloads & string>(manager: EntityManager, name: K, payload: Payloads[K], options?: EnqueueOptions): Promise<string | null>;
  /** Any number of jobs of one name in one statement: what a cause with many recipients uses, so its cost does not grow with them. */
  enqueueMany<K extends keyof Payloads & string>(manager: EntityManager, name: K, jobs: readonly JobToEnqueue<Payloads[K]>[]): Promise<void>;
}

type Job = PgBoss.JobWithMetadata<unknown>;
type Outcome = { job: Job; kind: 'done' } | { job: Job; kind: 'retry' | 'dropped'; error: unknown };

/** The pool TypeORM opened: pg's, or our PGlite bridge's one-connection pool. */
type Pool = { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };

/** pg-boss's tables live in their own schema, installed and migrated by pg-boss itself. */
const SCHEMA = 'pgboss';
/** How long `stop` lets running jobs finish before handing them back for a retry (SIGTERM allows 10 s in all). */
const STOP_TIMEOUT_MS = 5000;

/**
 * Durable jobs on PostgreSQL through pg-boss (SPEC §12), on the database the
 * app already uses: real PostgreSQL, or the embedded PGlite through the same
 * bridge (a pool of one connection), so both run the same jobs.
 *
 * - Enqueued in the caller's transaction (`enqueue(manager, …)`): a job exists
 *   exactly when its cause committed.
 * - Every instance runs a worker; `FOR UPDATE SKIP LOCKED` gives each job to one.
 * - A failure is retried after JOB_RETRY_DELAY_SECONDS × (1 to 2), doubling
 *   each time, JOB_RETRY_LIMIT times.
 * - A job still running after JOB_STALE_SECONDS (its instance died) is failed
 *   by whichever instance runs the next maintenance, and retried like any failure.
 */
export class JobQueue<Payloads extends object> implements JobEnqueuer<Payloads> {
  private readonly boss: PgBoss;
  private readonly handlers = new Map<string, JobHandler<never>>();
  private readonly workerIds = new Map<string, string>();
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private unavailableSince: number | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: JobConfig,
    private readonly logger: Logger,
  ) {
    this.boss = new PgBoss({
      db: { executeSql: (text, values) => this.executeSql(text, values) },
      schema: SCHEMA,
      // No cron: nothing of ours is scheduled, and cron would add pg-boss's own queues and workers.
      schedule: false,
      maintenanceIntervalSeconds: maintenanceIntervalSeconds(config),
    });
    // pg-boss emits copies of errors as plain objects: log their fields, not the object.
    this.boss.on('error', (error: { message?: string; code?: unknown; queue?: string }) =>
      this.logger.warn({ queue: error.queue, reason: error.message, code: error.code }, 'job queue error'),
    );
  }

  /** Registers the handler of a job name; before `install`. */
  handle<K extends keyof Payloads & string>(name: K, handler: JobHandler<Payloads[K]>): this {
    this.handlers.set(name, handler as JobHandler<never>);
    return this;
  }

  /**
   * Installs or migrates pg-boss's schema (its own migrator: a pg-boss upgrade
   * brings its migrations) and creates the queues. Run after our own
   * migrations, under the same advisory lock (db.ts): instances starting
   * together take turns, rather than relying on pg-boss recognizing a lost
   * install race by its error message.
   */
  async install(): Promise<void> {
    await this.boss.start();
    for (const name of this.handlers.keys()) await this.boss.createQueue(name);
  }

  /** Starts this instance's workers: one per job name, each running up to JOB_CONCURRENCY jobs at once. */
  async start(): Promise<void> {
    this.state = 'running';
    for (const [name, handler] of this.handlers) {
      const options = { batchSize: this.config.concurrency, pollingIntervalSeconds: this.config.pollIntervalMs / 1000, includeMetadata: true as const };
      this.workerIds.set(name, await this.boss.work(name, options, (jobs) => this.runBatch(name, handler, jobs)));
    }
  }

  /** Stops fetching, lets running jobs finish for up to 5 s, then hands the rest back for a retry. */
  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, close: false, timeout: STOP_TIMEOUT_MS });
    this.state = 'stopped';
  }

  /**
   * Adds a job in the transaction of `manager` (from `dataSource.transaction`):
   * it exists if and only if that transaction commits. Resolves with the job's
   * id, or null when a job with the same key is already there.
   *
   * Pass the transaction's manager, never `dataSource.manager`, from inside a
   * transaction: on the embedded database that would wait for the one
   * connection the transaction holds.
   */
  async enqueue<K extends keyof Payloads & string>(manager: EntityManager, name: K, payload: Payloads[K], options: EnqueueOptions = {}): Promise<string | null> {
    // pg-boss inserts nothing, silently, for a queue it does not know: never let that pass for success.
    if (!this.handlers.has(name)) throw new Error(`no job handler for "${name}": register it with handle() before install()`);
    return this.boss.send(name, payload as object, {
      db: { executeSql: async (text, values) => ({ rows: await manager.query(text, values) }) },
      id: options.key === undefined ? undefined : keyId(name, options.key),
      startAfter: options.runAt ?? options.delaySeconds,
      retryLimit: this.config.retryLimit,
      retryDelay: this.config.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: this.config.staleSeconds,
    });
  }

  /**
   * Adds many jobs of one name in the transaction of `manager`, in one
   * statement (pg-boss's `insert`), with the same semantics as `enqueue`:
   * they exist if and only if that transaction commits, and a key already
   * queued adds nothing.
   */
  async enqueueMany<K extends keyof Payloads & string>(manager: EntityManager, name: K, jobs: readonly JobToEnqueue<Payloads[K]>[]): Promise<void> {
    if (!this.handlers.has(name)) throw new Error(`no job handler for "${name}": register it with handle() before install()`);
    if (jobs.length === 0) return;
    const rows = jobs.map(({ payload, options = {} }) => ({
      name,
      data: payload as object,
      id: options.key === undefined ? undefined : keyId(name, options.key),
      // `insert` reads a string: an ISO moment, or an interval from the database's now() ("120" is 120 seconds).
      startAfter: options.runAt?.toISOString() ?? (options.delaySeconds === undefined ? undefined : String(options.delaySeconds)),
      retryLimit: this.config.retryLimit,
      retryDelay: this.config.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: this.config.staleSeconds,
    }));
    await this.boss.insert(rows, { db: { executeSql: async (text, values) => ({ rows: await manager.query(text, values) }) } });
  }

  private async runBatch(name: string, handler: JobHandler<never>, jobs: Job[]): Promise<void> {
    const outcomes = await Promise.all(jobs.map((job) => this.runOne(name, handler, job)));
    await this.settle(name, outcomes);
    // A full batch: more jobs may be due, so look again now rather than after the polling interval.
    if (jobs.length >= this.config.concurrency) this.boss.notifyWorker(this.workerIds.get(name)!);
  }

  private async runOne(name: string, handler: JobHandler<never>, job: Job): Promise<Outcome> {
    try {
      await handler(job.data as never, { id: job.id, name, retryCount: job.retryCount, retryLimit: job.retryLimit });
      return { job, kind: 'done' };
    } catch (error) {
      const kind = error instanceof PermanentJobFailure ? 'dropped' : 'retry';
      this.logFailure(name, job, kind, error);
      return { job, kind, error };
    }
  }

  /**
   * pg-boss completes the whole batch when the handler returns, so first the
   * jobs to retry are failed (which schedules their retry) and those to drop
   * are cancelled. If a retry cannot be recorded, throwing makes pg-boss fail
   * the whole batch instead: an email may then go out twice, but none is lost.
   */
  private async settle(name: string, outcomes: Outcome[]): Promise<void> {
    for (const outcome of outcomes) {
      if (outcome.kind !== 'retry') continue;
      // pg-boss 10's types say void; it answers how many jobs it changed.
      const { affected } = (await this.boss.fail(name, outcome.job.id, failureOutput(outcome.error))) as unknown as { affected: number };
      if (affected !== 1) throw new Error(`job ${outcome.job.id} failed and its retry could not be recorded`);
    }
    const dropped = outcomes.filter((outcome) => outcome.kind === 'dropped').map((outcome) => outcome.job.id);
    // A cancel that is lost leaves the job to be completed with the batch: dropped all the same.
    if (dropped.length > 0) await this.boss.cancel(name, dropped);
  }

  private logFailure(name: string, job: Job, kind: 'retry' | 'dropped', error: unknown): void {
    const lastAttempt = kind === 'retry' && job.retryCount >= job.retryLimit;
    const fields = { queue: name, jobId: job.id, attempt: job.retryCount + 1, ...failureOutput(error) };
    if (kind === 'dropped') this.logger.error(fields, 'job dropped: it can never succeed');
    else if (lastAttempt) this.logger.error(fields, 'job failed for the last time: no retry left');
    else this.logger.warn(fields, 'job failed: retrying later');
  }

  /**
   * pg-boss's statements, on TypeORM's pool (not through a query runner, so
   * they stay out of the per-request statement counts). pg-boss 10 does not
   * await its completion statements (timgit/pg-boss#577, fixed in 11, which
   * needs Node 22): while the database is unreachable, a rejection there would
   * kill the process. So while running, an unreachable database answers
   * `undefined`, which pg-boss reads as "nothing" (its own adapter does so
   * when closed); the job stays active until JOB_STALE_SECONDS gives it back.
   */
  private async executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    try {
      const result = await pool.query(text, values);
      this.databaseAnswered();
      return result;
    } catch (error) {
      const swallow = this.state === 'stopped' || (this.state === 'running' && isDatabaseUnavailable(error));
      if (!swallow) throw error;
      this.databaseUnavailable(error);
      return undefined as never;
    }
  }

  private databaseUnavailable(error: unknown): void {
    if (this.unavailableSince !== null || this.state === 'stopped') return;
    this.unavailableSince = Date.now();
    this.logger.warn({ err: error }, 'job queue cannot reach the database: jobs wait until it is back');
  }

  private databaseAnswered(): void {
    if (this.unavailableSince === null) return;
    this.logger.info({ ms: Date.now() - this.unavailableSince }, 'job queue reaches the database again');
    this.unavailableSince = null;
  }
}

/** What is logged and kept with a failed job: a JobFailure's message and details, or an unexpected error's type and code. */
function failureOutput(error: unknown): Record<string, unknown> {
  if (error instanceof PermanentJobFailure || error instanceof TemporaryJobFailure) return { reason: error.message, ...error.details };
  const { name, code, message } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  return { reason: 'unexpected error', cause: { name, code, message } };
}

/** A quarter of the stale time, between 1 s and a minute: a dead instance's job is back within 1.25 × JOB_STALE_SECONDS. */
function maintenanceIntervalSeconds(config: JobConfig): number {
  return Math.min(60, Math.max(1, Math.round(config.staleSeconds / 4)));
}

/** The job id of a key: a UUID derived from name and key, so the job table's primary key refuses a second one. */
function keyId(name: string, key: string): string {
  const hex = createHash('sha256').update(`${name}\n${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
