import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrations } from '../../migrations';
import { createDatabase, openDatabase } from '../../src/db';
import { createLogger } from '../../src/logger';
import { ensureGraphiQLBundle } from '../../web/build';
import { checkChromium } from '../browser/support/chromium';
import { databaseUrl, reachable, TEST_DATABASE_URL, TEST_REDIS_URL } from './services';

/**
 * Decides once what the tests run against. With PostgreSQL reachable, it
 * migrates a template database that every test file clones (CREATE DATABASE
 * ... TEMPLATE is a file copy, so each file gets its own database in
 * milliseconds and workers never share one). Under CI=true a missing
 * PostgreSQL or Redis fails the run; elsewhere the tests fall back to the
 * embedded database and in-process pub/sub, and say so; the same goes for
 * Chromium and the browser tests. It also builds the GraphiQL bundle the
 * servers serve when it is missing or its sources changed (a fresh clone has
 * none).
 */
export default async function globalSetup(): Promise<void> {
  checkChromium();
  if ((await ensureGraphiQLBundle()) === 'built') console.log('\n[sidedoor tests] built the GraphiQL bundle (dist/graphiql).');
  const [postgres, redis] = await Promise.all([reachable(TEST_DATABASE_URL), reachable(TEST_REDIS_URL)]);
  if (process.env.CI === 'true' && (!postgres || !redis)) {
    throw new Error(
      `CI=true but ${!postgres ? `PostgreSQL (${TEST_DATABASE_URL})` : ''}${!postgres && !redis ? ' and ' : ''}${!redis ? `Redis (${TEST_REDIS_URL})` : ''} is unreachable: refusing to fall back to the embedded database.`,
    );
  }
  if (!postgres) console.warn('\n[sidedoor tests] PostgreSQL unreachable: using the embedded PGlite database.');
  if (!redis) console.warn('[sidedoor tests] Redis unreachable: using in-process pub/sub; multi-instance tests are skipped.');
  process.env.SIDEDOOR_TEST_REDIS = redis ? TEST_REDIS_URL : '';
  if (!postgres) {
    process.env.SIDEDOOR_TEST_TEMPLATE = '';
    return;
  }

  const template = `sidedoor_tpl_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const database = createDatabase({ databaseUrl: databaseUrl(template), dataDir: '' }, createLogger({ logLevel: 'silent' }));
  await openDatabase(database);
  await database.dataSource.destroy();
  process.env.SIDEDOOR_TEST_TEMPLATE = template;
  process.env.SIDEDOOR_TEST_MIGRATIONS = String(migrations.length);
}
