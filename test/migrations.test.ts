import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrations } from '../migrations';
import { createDatabase, openDatabase } from '../src/db';
import { createLogger } from '../src/logger';
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
});
