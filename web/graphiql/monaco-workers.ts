/**
 * GraphiQL's editors are Monaco, which runs each language service in a web
 * worker. The build bundles those workers as files next to the page (see
 * web/build.ts), so nothing is fetched from another origin.
 */
const WORKER_FILES: Record<string, string> = {
  json: 'json.worker.js',
  graphql: 'graphql.worker.js',
};
const EDITOR_WORKER_FILE = 'editor.worker.js';

/** Tells Monaco to start its workers from the bundled files under `base`. */
export function loadMonacoWorkersFrom(base: URL): void {
  const scope = globalThis as typeof globalThis & { MonacoEnvironment?: unknown };
  scope.MonacoEnvironment = {
    getWorker: (_workerId: string, label: string) => new Worker(new URL(WORKER_FILES[label] ?? EDITOR_WORKER_FILE, base)),
  };
}
