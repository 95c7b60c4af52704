import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { migrations } from '../migrations';
import { createDatabase, openDatabase } from '../src/db';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { OutboxMailer } from '../src/mail/mailer';
import { createJobQueue } from '../src/services';
import { describeOnPostgres, dropDatabase, usingPostgres } from './support/server';
import { databaseUrl, TEST_DATABASE_URL } from './support/services';


describeOnPostgres('migrations', () => {
  const name = `sidedoor_migrate_${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    const admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
  });
  afterAll(() => dropDatabase(name));

  it('lets several instances start together on an empty database: one migrates, none fails', async () => {
    const logger = createLogger({ logLevel: 'silent' });
    const instances = Array.from({ length: 4 }, () => createDatabase({ databaseUrl: databaseUrl(name), dataDir: '' }, logger));
    await Promise.all(instances.map((instance) => openDatabase(instance)));
    const [{ count }] = await instances[0]!.dataSource.query(`SELECT count(*)::int AS count FROM migrations`);
    expect(count).toBe(migrations.length);
    await Promise.all(instances.map((instance) => instance.dataSource.destroy()));
  });

  it('installs the job queue after the migrations, once, however many instances start together', async () => {
    const logger = createLogger({ logLevel: 'silent' });
    const config = loadConfig({ DATABASE_URL: databaseUrl(name) });
    const instances = Array.from({ length: 4 }, () => {
      const database = createDatabase({ databaseUrl: databaseUrl(name), dataDir: '' }, logger);
      return { database, jobs: createJobQueue({ dataSource: database.dataSource, config, logger }, new OutboxMailer(config, logger)) };
    });
    await Promise.all(instances.map(({ database, jobs }) => openDatabase(database, { afterMigrations: () => jobs.install() })));
    const { dataSource } = instances[0]!.database;
    expect(await dataSource.query(`SELECT count(*)::int AS count FROM pgboss.version`)).toEqual([{ count: 1 }]);
    expect(await dataSource.query(`SELECT name FROM pgboss.queue ORDER BY name`)).toEqual([{ name: 'email' }, { name: 'notification-email' }]);
    for (const { database, jobs } of instances) {
      await jobs.stop();
      await database.dataSource.destroy();
    }
  });
});

describe('npm run migrate', () => {
  const name = `sidedoor_migrate_cli_${randomBytes(4).toString('hex')}`;
  const dataDir = usingPostgres() ? null : mkdtempSync(join(tmpdir(), 'sidedoor-migrate-'));
  beforeAll(async () => {
    if (dataDir) return;
    const admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
  });
  afterAll(async () => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    else await dropDatabase(name);
  });

  /** The lines `src/migrate.ts` prints, run as `npm run migrate` runs it (from the sources here). */
  const migrate = async () => {
    const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', ...(dataDir ? { DATA_DIR: dataDir } : { DATABASE_URL: databaseUrl(name) }) };
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'support', 'run-main.js'), 'src/migrate.ts'], { env });
    return stdout.trim().split('\n');
  };

  it('names each migration it applied, then says there is nothing left to apply', async () => {
    const names = migrations.map((Migration) => new Migration().name!);
    expect(await migrate()).toEqual([...names.map((migration) => `applied ${migration}`), `${names.length} migrations applied; up to date`]);
    expect(await migrate()).toEqual(['migrations are up to date: nothing to apply']);
  }, 60_000);
});
