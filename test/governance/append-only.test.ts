import type { DataSource } from 'typeorm';
import { createDatabase, openDatabase, type Database } from '../../src/db';
import { createLogger } from '../../src/logger';
import { describeOnPostgres, startServer, type TestServer } from '../support/server';

const ORGANIZATION = '00000000-0000-4000-8000-00000000a0d1';

/** What the database itself must refuse on the audit table, whoever sends it: the app, a script, an operator's psql. */
function refusesChanges(dataSource: () => DataSource) {
  const events = async () =>
    dataSource().query(`SELECT id, action, ip FROM audit_events WHERE organization_id = $1 ORDER BY occurred_at`, [ORGANIZATION]);

  beforeAll(async () => {
    await dataSource().query(
      `INSERT INTO audit_events (organization_id, action, ip) VALUES ($1, 'LOGIN_FAILED', '192.0.2.1'), ($1, 'LOGIN_SUCCEEDED', '192.0.2.1')`,
      [ORGANIZATION],
    );
  });

  it.each([
    ['UPDATE', `UPDATE audit_events SET ip = '198.51.100.7' WHERE organization_id = '${ORGANIZATION}'`],
    ['DELETE', `DELETE FROM audit_events WHERE organization_id = '${ORGANIZATION}'`],
    ['DELETE of nothing at all', `DELETE FROM audit_events WHERE false`],
    ['TRUNCATE', `TRUNCATE audit_events`],
  ])('refuses %s and keeps every event as it was', async (_what, sql) => {
    const before = await events();
    expect(before).toHaveLength(2);

    await expect(dataSource().query(sql)).rejects.toThrow(/audit_events is append-only/);

    expect(await events()).toEqual(before);
  });

  it('still takes new events', async () => {
    await dataSource().query(`INSERT INTO audit_events (organization_id, action) VALUES ($1, 'GUEST_JOINED')`, [ORGANIZATION]);
    expect(await events()).toHaveLength(3);
  });
}


describeOnPostgres('the audit log on PostgreSQL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.stop());

  refusesChanges(() => server.app.database.dataSource);

  it('refuses a change even with session_replication_role = replica (the trigger is ENABLE ALWAYS)', async () => {
    const { dataSource } = server.app.database;
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query(`SET LOCAL session_replication_role = replica`);
        await manager.query(`DELETE FROM audit_events WHERE organization_id = $1`, [ORGANIZATION]);
      }),
    ).rejects.toThrow(/audit_events is append-only/);
  });
});

describe('the audit log on the embedded database (PGlite)', () => {
  let database: Database;
  beforeAll(async () => {
    database = createDatabase({ databaseUrl: null, dataDir: 'memory://' }, createLogger({ logLevel: 'silent' }));
    await openDatabase(database);
  });
  afterAll(() => database?.dataSource.destroy());

  refusesChanges(() => database.dataSource);
});
