// Runs src/main.ts (or the entry named by the first argument, such as
// src/migrate.ts) in a child process straight from the sources, compiled on
// require by swc with the project's .swcrc, so process-level behaviour
// (signals, exit codes, output) is tested without a build step.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { transformSync } = require('@swc/core');

const options = JSON.parse(readFileSync(join(__dirname, '..', '..', '.swcrc'), 'utf8'));
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename, sourceMaps: false });
  module._compile(code, filename);
};
require('reflect-metadata');
require(join(__dirname, '..', '..', process.argv[2] ?? 'src/main.ts'));
