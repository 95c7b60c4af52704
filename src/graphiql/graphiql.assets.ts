import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder holding package.json: the same whether this file runs from src/ (tests) or dist/src/ (npm start). */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Where the build puts the GraphiQL bundle (web/build.ts), served under /graphiql/. */
export const GRAPHIQL_ASSETS_DIR = join(projectRoot(), 'dist', 'graphiql');

/** The page's script and stylesheet, as esbuild names them after the entry `graphiql`. */
export const GRAPHIQL_SCRIPT = 'graphiql.js';
export const GRAPHIQL_STYLESHEET = 'graphiql.css';
