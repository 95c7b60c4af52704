import { ConfigError, loadConfig } from './config';
import { createDatabase, openDatabase } from './db';
import { createLogger } from './logger';

/** `npm run migrate`: applies pending migrations, says which, and exits. */
async function migrate(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const database = createDatabase(config, logger);
  const applied = await openDatabase(database);
  for (const name of applied) console.log(`applied ${name}`);
  console.log(applied.length === 0 ? 'migrations are up to date: nothing to apply' : `${applied.length} migration${applied.length === 1 ? '' : 's'} applied; up to date`);
  await database.dataSource.destroy();
}

migrate().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
