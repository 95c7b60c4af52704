import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrations } from '../migrations';
import { createDatabase, openDatabase } from '../src/db';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { OutboxMailer } from '../src/mail/mailer';
import { createJobQueue } from '../src/services';
import { dropDatabase, usingPostgres } from './support/server';
import { databaseUrl, TEST_DATABASE_URL } from './support/services';

const describeOnPostgres = usingPostgres() ? describe : describe.skip;

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
