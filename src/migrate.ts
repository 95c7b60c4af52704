import { ConfigError, loadConfig } from './config';
import { closeDatabase, createDatabase, DataDirLockedError, openDatabase } from './db';
import { createLogger } from './logger';
import { createMailer } from './mail/mailer';
import { createJobQueue } from './services';

/** `npm run migrate`: applies pending migrations (saying which), installs or migrates the job queue's schema, and exits. */
async function migrate(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const database = createDatabase(config, logger);
  const mailer = createMailer(config, logger);
  const jobs = createJobQueue({ dataSource: database.dataSource, config, logger }, mailer);
  const applied = await openDatabase(database, { afterMigrations: () => jobs.install() });
  await jobs.stop();
  await mailer.close();
  for (const name of applied) console.log(`applied ${name}`);
  console.log(applied.length === 0 ? 'migrations are up to date: nothing to apply' : `${applied.length} migration${applied.length === 1 ? '' : 's'} applied; up to date`);
  await closeDatabase(database);
}

migrate().catch((error) => {
  console.error(error instanceof ConfigError || error instanceof DataDirLockedError ? error.message : error);
  process.exit(1);
});
