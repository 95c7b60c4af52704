import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../../../src/graphiql/graphiql.assets';
import { browserBundleOptions } from '../../../web/build';

/** Where esbuild pretends to write: nothing is written, the paths only name the files. */
const OUTDIR = join(projectRoot(), 'test-artifacts', 'bundles');

/**
 * Bundles a browser entry (TS or TSX, with the npm packages it imports) at
 * test time, in memory, with the options of the GraphiQL build: the files by
 * URL path (`/<name>.js`, and `/<name>.css` when it imports CSS), ready for
 * serveStaticOrigin. Fonts and images are inlined.
 */
export async function bundleForBrowser(entry: string, name = 'app'): Promise<Record<string, Uint8Array>> {
  const result = await build({
    ...browserBundleOptions(),
    // Readable stack traces when a page fails.
    minify: false,
    sourcemap: 'inline',
    entryPoints: { [name]: entry },
    outdir: OUTDIR,
    write: false,
    loader: { '.ttf': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
  });
  return Object.fromEntries(result.outputFiles.map((file) => [`/${relative(OUTDIR, file.path)}`, file.contents]));
}
