/**
 * One Sidedoor instance as production runs it (configuration from the
 * environment, `createApp`, listen), in a child process of bench/run.ts,
 * which reads its CPU, memory and SQL statement count, and hears of each
 * comment's commit (src/realtime/observability.ts) to time fan-out from it.
 */
import { subscribe } from 'node:diagnostics_channel';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { COMMENT_COMMITTED, type CommentCommitted } from '../src/realtime/observability';
import { emit, serveParent } from './proc';

async function main(): Promise<void> {
  const app = createApp(loadConfig(process.env));
  const port = await app.start(0);
  subscribe(COMMENT_COMMITTED, (message) => emit({ type: 'commentCommitted', ...(message as CommentCommitted) }));
  serveParent(port, {
    extra: () => ({ statements: app.database.statements.count }),
    stop: () => app.stop(),
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
