/**
 * One Sidedoor instance as production runs it (configuration from the
 * environment, `createApp`, listen), in a child process of bench/run.ts,
 * which reads its CPU, memory and SQL statement count.
 */
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { serveParent } from './proc';

async function main(): Promise<void> {
  const app = createApp(loadConfig(process.env));
  const port = await app.start(0);
  serveParent(port, {
    extra: () => ({ statements: app.database.statements.count }),
    stop: () => app.stop(),
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
