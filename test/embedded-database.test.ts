import { createDatabase, openDatabase, type Database } from '../src/db';
import { createLogger } from '../src/logger';

describe('the embedded database', () => {
  let database: Database;
  beforeAll(async () => {
    database = createDatabase({ databaseUrl: null, dataDir: 'memory://' }, createLogger({ logLevel: 'silent' }));
    await openDatabase(database);
    await database.dataSource.query(`CREATE TABLE probe (label text)`);
  });
  afterAll(() => database?.dataSource.destroy());

  it('applies the migrations', async () => {
    const [{ count }] = await database.dataSource.query(`SELECT count(*)::int AS count FROM migrations`);
    expect(count).toBeGreaterThan(0);
  });

  it('keeps a rolled-back transaction apart from one that commits meanwhile', async () => {
    const failing = database.dataSource
      .transaction(async (manager) => {
        await manager.query(`INSERT INTO probe VALUES ('rolled back')`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error('this transaction fails');
      })
      .catch((error: Error) => error.message);
    const committing = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      await database.dataSource.transaction((manager) => manager.query(`INSERT INTO probe VALUES ('committed')`));
      return 'committed';
    })();
    expect(await Promise.all([failing, committing])).toEqual(['this transaction fails', 'committed']);
    expect(await database.dataSource.query(`SELECT label FROM probe`)).toEqual([{ label: 'committed' }]);
  });

  it('rolls back a failed multi-statement string that opened its own transaction, as PostgreSQL does', async () => {
    await expect(database.dataSource.query(`BEGIN; INSERT INTO probe VALUES ('half'); SELECT 1/0; COMMIT`)).rejects.toThrow(/division by zero/);
    expect(await database.dataSource.query(`SELECT count(*)::int AS count FROM probe WHERE label = 'half'`)).toEqual([{ count: 0 }]);
  });

  it('leaves a transaction it did not open to its owner when a statement in it fails', async () => {
    await database.dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO probe VALUES ('kept')`);
      await manager.query(`SAVEPOINT before_failure`);
      await expect(manager.query(`SELECT 1/0; SELECT 2`)).rejects.toThrow(/division by zero/);
      await manager.query(`ROLLBACK TO SAVEPOINT before_failure`);
    });
    expect(await database.dataSource.query(`SELECT count(*)::int AS count FROM probe WHERE label = 'kept'`)).toEqual([{ count: 1 }]);
  });

  it('answers UPDATE and DELETE as pg does: rows and the number of rows touched', async () => {
    await database.dataSource.query(`INSERT INTO probe VALUES ('x'), ('y')`);
    const updated = await database.dataSource.query(`UPDATE probe SET label = 'z' WHERE label IN ('x', 'y')`);
    expect(updated).toEqual([[], 2]);
  });
});
