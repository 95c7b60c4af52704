import type { Pool, QueryConfig } from 'pg';
import type { DataSource } from 'typeorm';

/** Distinct statement texts an instance prepares; any beyond run unprepared (a client cannot make us hold an unbounded number). */
const MAX_PREPARED_STATEMENTS = 500;

const PLACEHOLDER = /\$(\d+)/g;

/** How many parameters a statement takes: its highest `$n`. */
function placeholdersIn(sql: string): number {
  let highest = 0;
  for (const [, n] of sql.matchAll(PLACEHOLDER)) highest = Math.max(highest, Number(n));
  return highest;
}

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
  /** Each batched read's text, by a short id; and each sequence of ids' combined statement (see `combine`). */
  private readonly readIds = new Map<string, number>();
  private readonly combined = new Map<string, string>();

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

  /**
   * The statement selecting each of these reads as a column (r0, r1, ...),
   * their placeholders renumbered in turn: built once per sequence of read
   * texts (a query's ticks ask for the same reads in the same order every
   * time), so a request neither rewrites nor rehashes kilobytes of SQL.
   */
  combine(reads: readonly { sql: string; params: readonly unknown[] }[]): string {
    const ids = reads.map((read) => this.readIdOf(read.sql));
    // A read beyond the bound has no id: its combinations are built every time, never remembered.
    const key = ids.includes(undefined) ? null : ids.join(',');
    const remembered = key === null ? undefined : this.combined.get(key);
    if (remembered !== undefined) return remembered;
    let offset = 0;
    const columns = reads.map(({ sql: text, params }, index) => {
      // The parameters are passed one read after another: each read must use all of its own, as $1..$n.
      if (placeholdersIn(text) !== params.length) throw new Error(`A read takes ${params.length} parameters but its SQL uses $1..$${placeholdersIn(text)}: ${text}`);
      const shifted = text.replace(PLACEHOLDER, (_, n: string) => `$${Number(n) + offset}`);
      offset += params.length;
      return `(${shifted}) AS r${index}`;
    });
    const sql = `SELECT ${columns.join(',\n')}`;
    if (key !== null && this.combined.size < MAX_PREPARED_STATEMENTS) this.combined.set(key, sql);
    return sql;
  }

  private readIdOf(text: string): number | undefined {
    let id = this.readIds.get(text);
    if (id === undefined && this.readIds.size < MAX_PREPARED_STATEMENTS) {
      id = this.readIds.size;
      this.readIds.set(text, id);
    }
    return id;
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
      const sql = this.reader.combine(reads);
      const [row] = await this.reader.query<Record<string, unknown>>(sql, reads.flatMap((read) => read.params));
      reads.forEach((read, index) => read.resolve(row[`r${index}`]));
    } catch (error) {
      for (const read of reads) read.reject(error);
    }
  }
}
