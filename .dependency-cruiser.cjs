/**
 * The layering of src/, checked by `npm run lint:deps` and in CI (STYLE.md):
 * a request flows transport -> context -> resolver -> service -> repository,
 * and nothing flows back.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const TRANSPORT = '^src/app\\.ts$|^src/realtime/websocket[a-z-]*\\.ts$|\\.routes\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Modules form a tree of layers: a cycle, even through type-only imports, means two modules are one.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-free-of-graphql-and-http',
      comment:
        'Services and policies see a Viewer (or a Scope), never the GraphQL context, a resolver, type-graphql or Express: ' +
        'the same rule then serves HTTP, websockets, jobs and tests.',
      severity: 'error',
      from: { path: '^src/.+\\.(service|policy)\\.ts$' },
      to: { path: ['^src/context\\.ts$', '\\.resolver\\.ts$', '^node_modules/type-graphql/', '^node_modules/express/', '^node_modules/@types/express'] },
    },
    {
      name: 'transport-entered-from-main-only',
      comment: 'HTTP, websockets and REST routes are the outer layer: main.ts starts them, and nothing inside reaches back out to them.',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/main\\.ts$|${TRANSPORT}` },
      to: { path: TRANSPORT },
    },
    {
      name: 'config-is-read-once',
      comment: 'Only main.ts, migrate.ts and the tests load the configuration; everything else is given the Config it needs.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(main|migrate|config)\\.ts$' },
      to: { path: '^src/config\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-dev-dependencies-in-src',
      comment: 'What the server runs must be installed by `npm ci --omit=dev` too.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a cycle through types is still a cycle of ideas.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^dist/' },
  },
};
