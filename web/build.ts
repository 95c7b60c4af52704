import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { GRAPHIQL_ASSETS_DIR, projectRoot } from '../src/graphiql/graphiql.assets';

/**
 * Bundles GraphiQL (web/graphiql/) and Monaco's workers from node_modules into
 * dist/graphiql/, so the server serves it offline. `npm run build` and the
 * tests' global setup both call ensureGraphiQLBundle(): it rebuilds only when
 * the sources or the lockfile changed since the last build.
 */
const ROOT = projectRoot();
const SOURCES = join(ROOT, 'web', 'graphiql');
const STAMP = '.build-stamp';

/** What every browser bundle of ours shares: one self-contained file per entry, React in production mode. */
export function browserBundleOptions(): BuildOptions {
  return {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome115', 'firefox115', 'safari16'],
    minify: true,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** A hash of everything the bundle is made from: our sources, this script and the exact package versions. */
async function inputsHash(): Promise<string> {
  const inputs = [...(await filesUnder(SOURCES)), join(ROOT, 'web', 'build.ts'), join(ROOT, 'package-lock.json')].sort();
  const hash = createHash('sha256');
  for (const file of inputs) hash.update(relative(ROOT, file)).update('\0').update(await readFile(file)).update('\0');
  return hash.digest('hex');
}

async function bundleGraphiQL(outdir: string): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  await build({
    ...browserBundleOptions(),
    absWorkingDir: ROOT,
    outdir,
    entryPoints: {
      graphiql: join(SOURCES, 'main.tsx'),
      'editor.worker': require.resolve('monaco-editor/esm/vs/editor/editor.worker.js'),
      'json.worker': require.resolve('monaco-editor/esm/vs/language/json/json.worker.js'),
      'graphql.worker': require.resolve('monaco-graphql/esm/graphql.worker.js'),
    },
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
  });
}

/** Builds the bundle into `outdir` unless the one there was built from the same inputs. */
export async function ensureGraphiQLBundle(outdir = GRAPHIQL_ASSETS_DIR): Promise<'built' | 'up to date'> {
  const hash = await inputsHash();
  const stamp = await readFile(join(outdir, STAMP), 'utf8').catch(() => '');
  if (stamp === hash) return 'up to date';
  await bundleGraphiQL(outdir);
  await mkdir(outdir, { recursive: true });
  await writeFile(join(outdir, STAMP), hash);
  return 'built';
}

if (require.main === module) {
  const started = Date.now();
  ensureGraphiQLBundle().then(
    (outcome) => console.log(`GraphiQL bundle ${outcome} (${relative(ROOT, GRAPHIQL_ASSETS_DIR)}, ${Date.now() - started} ms)`),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
