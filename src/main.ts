import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { DataDirLockedError } from './db';
import { seedDemo } from './demo';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = createApp(config);
  const port = await app.start();
  app.logger.info({ port, database: app.database.embedded ? 'embedded' : 'postgresql', redis: config.redisUrl ? 'redis' : 'in-process' }, 'Sidedoor is listening');
  // Never in production: the demo accounts' password is published in the README.
  if (app.database.embedded && !config.isProduction) {
    const demo = await seedDemo(app.services, config.publicUrl);
    if (demo) console.log(demo);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.logger.error('shutdown took longer than 9 s; exiting');
      process.exit(1);
    }, 9000);
    force.unref();
    app.stop().then(
      () => process.exit(0),
      (error) => {
        app.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(error instanceof DataDirLockedError ? error.message : error);
  process.exit(1);
});
