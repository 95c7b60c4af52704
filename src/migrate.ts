import { ConfigError, loadConfig } from './config';
import { closeDatabase, createDatabase, DataDirLockedError, openDatabase } from './db';
import { createLogger } from './logger';

/** `npm run migrate`: applies pending migrations and exits. */
async function migrate(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const database = createDatabase(config, logger);
  await openDatabase(database);
  console.log('migrations are up to date');
  await closeDatabase(database);
}

migrate().catch((error) => {
  console.error(error instanceof ConfigError || error instanceof DataDirLockedError ? error.message : error);
  process.exit(1);
});
