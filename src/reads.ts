import type { Pool, QueryConfig } from 'pg';
import type { DataSource } from 'typeorm';

/** Distinct statement texts an instance prepares; any beyond run unprepared (a client cannot make us hold an unbounded number). */
const MAX_PREPARED_STATEMENTS = 500;

/**
 * The read path of loaders: SQL straight on the connection pool, as named
 * prepared statements on PostgreSQL, so PostgreSQL plans each text once per
 * connection instead of on every request (the session lookup: 0.33 ms to
 * 0.07 ms). Every statement is still counted and logged by the DataSource's
 * logger, and a failure is logged as TypeORM would. Writes and transactions
 * stay on TypeORM. On the embedded database (one PGlite session) it is
 * `dataSource.query`.
 */
export class Reader {
  private readonly names = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: { prepare: boolean },
  ) {}

  async query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[]): Promise<Row[]> {
    if (!this.options.prepare) return this.dataSource.query(sql, params as unknown[]);
    const logger = this.dataSource.logger;
    logger.logQuery(sql, params as unknown[]);
    const name = this.nameOf(sql);
    const query: QueryConfig = { text: sql, values: params as unknown[], ...(name && { name }) };
    try {
      return (await this.pool().query(query)).rows as Row[];
    } catch (error) {
      logger.logQueryError(error as Error, sql, params as unknown[]);
      throw error;
    }
  }

  /** A batch for one request: the reads it issues in one tick go out as one statement. */
  batch(): ReadBatch {
    return new ReadBatch(this);
  }

  private nameOf(sql: string): string | undefined {
    let name = this.names.get(sql);
    if (!name && this.names.size < MAX_PREPARED_STATEMENTS) {
      name = `sidedoor_read_${this.names.size + 1}`;
      this.names.set(sql, name);
    }
    return name;
  }

  private pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }
}

interface PendingRead {
  sql: string;
  params: readonly unknown[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const PLACEHOLDER = /\$(\d+)/g;

/**
 * Reads asked for in the same tick, sent to the database as one statement:
 * the field resolvers of one level of a query (a conversation's people,
 * tasks, messages and comments) each call a loader, each loader dispatches
 * in the same tick, and together they cost one round trip and one plan
 * instead of five. A read is a SELECT yielding one row of one column (a JSON
 * value, so any shape fits in it); the batch selects each as a scalar
 * subquery, renumbering its `$n` placeholders (so a read must not spell `$`
 * followed by digits in a literal). One failing read fails its batch.
 */
export class ReadBatch {
  private pending: PendingRead[] = [];

  constructor(private readonly reader: Reader) {}

  /** The single value `sql` selects. */
  value<T>(sql: string, params: readonly unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Loaders dispatch from process.nextTick after the promise jobs of their tick (DataLoader's
      // default schedule); flushing on the same schedule, queued from the first dispatch, runs after the last.
      if (this.pending.length === 0) void Promise.resolve().then(() => process.nextTick(() => this.flush()));
      this.pending.push({ sql, params, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private async flush(): Promise<void> {
    const reads = this.pending;
    this.pending = [];
    try {
      if (reads.length === 1) {
        const [row] = await this.reader.query<{ value: unknown }>(reads[0].sql, reads[0].params);
        reads[0].resolve(Object.values(row)[0]);
        return;
      }
      const params: unknown[] = [];
      const columns = reads.map((read, index) => {
        const offset = params.length;
        params.push(...read.params);
        return `(${read.sql.replace(PLACEHOLDER, (_, n: string) => `$${Number(n) + offset}`)}) AS r${index}`;
      });
      const [row] = await this.reader.query<Record<string, unknown>>(`SELECT ${columns.join(',\n')}`, params);
      reads.forEach((read, index) => read.resolve(row[`r${index}`]));
    } catch (error) {
      for (const read of reads) read.reject(error);
    }
  }
}
