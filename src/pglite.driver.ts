import { EventEmitter } from 'node:events';
import { PGlite, types, type PGliteOptions, type Results } from '@electric-sql/pglite';

/**
 * The embedded database for TypeORM: a pg-compatible pool over one PGlite
 * instance, handed to TypeORM's postgres driver as its `driver`.
 *
 * PGlite is a single session. A pool that let two query runners use it at
 * once would run one request's statements inside another's transaction (and
 * roll them back with it), and row locks would guard nothing. So this pool
 * has exactly one connection: a query runner holds it from `connect` to
 * `release`, a transaction from BEGIN to COMMIT, and everyone else waits:
 * transactions are serialized, as the guest limits require.
 */

/** TypeORM may send booleans as strings or numbers; PGlite's own serializer wants JS booleans. */
const serializeBoolean = (value: unknown): string =>
  value === true || value === 'true' || value === 1 ? 'TRUE' : value === false || value === 'false' || value === 0 ? 'FALSE' : String(value);

type Callback = (error: Error | null, result?: unknown) => void;

/** A FIFO lock: `acquire` resolves with the function that releases it. */
class Lock {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const acquired = this.tail.then(() => release);
    this.tail = this.tail.then(() => released);
    return acquired;
  }
}

/** What pg's result carries and TypeORM reads: rows, rowCount and the command tag. */
function asPgResult(sql: string, result: Results): { rows: unknown[]; rowCount: number; command: string } {
  const keyword = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
  // PGlite reports no command tag; a CTE here always ends in a SELECT.
  const command = keyword === 'WITH' ? 'SELECT' : keyword;
  return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length, command };
}

async function run(db: PGlite, sql: string, params?: unknown[]) {
  if (params && params.length > 0) return asPgResult(sql, await db.query(sql, params));
  // Without parameters a string may hold several statements (migrations): pg answers with the last result.
  const wasInTransaction = db.isInTransaction();
  try {
    const results = await db.exec(sql);
    return asPgResult(sql, results[results.length - 1] ?? { rows: [], fields: [] });
  } catch (error) {
    // A string that opens a transaction itself ("BEGIN; ...; COMMIT", as pg-boss sends) and fails halfway:
    // PostgreSQL rolls that transaction back when the string ends, PGlite leaves it open and aborted,
    // which would fail every later statement of this one session.
    if (!wasInTransaction && db.isInTransaction()) await db.exec('ROLLBACK');
    throw error;
  }
}

/** A TypeORM `driver` (what `require('pg')` would be) for one embedded database. */
export function pgliteDriver(options: PGliteOptions) {
  let database: Promise<PGlite> | null = null;
  const open = () =>
    (database ??= PGlite.create({ ...options, serializers: { [types.BOOL]: serializeBoolean, ...options.serializers } }));
  const lock = new Lock();

  /** TypeORM listens for a connection's `error` events, as pg's clients emit them. */
  class Client extends EventEmitter {
    constructor(private readonly db: PGlite) {
      super();
    }

    query(sql: string, params?: unknown[] | Callback, callback?: Callback): Promise<unknown> {
      const done = typeof params === 'function' ? params : callback;
      const promise = run(this.db, sql, Array.isArray(params) ? params : undefined);
      if (done) promise.then((result) => done(null, result), (error) => done(error));
      return promise;
    }
  }

  class Pool extends EventEmitter {
    connect(callback: (error: Error | null, client?: Client, release?: () => void) => void): void {
      void lock.acquire().then(async (release) => {
        try {
          callback(null, new Client(await open()), release);
        } catch (error) {
          release();
          callback(error as Error);
        }
      });
    }

    async query(sql: string, params?: unknown[]): Promise<unknown> {
      const release = await lock.acquire();
      try {
        return await run(await open(), sql, params);
      } finally {
        release();
      }
    }

    end(callback?: (error?: Error) => void): Promise<void> {
      const closing = database ? database.then((db) => db.close()) : Promise.resolve();
      database = null;
      return closing.then(
        () => callback?.(),
        (error) => callback?.(error),
      );
    }
  }

  return { Pool };
}
