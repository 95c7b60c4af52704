import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { GRAPHIQL_ASSETS_DIR, GRAPHIQL_SCRIPT, GRAPHIQL_STYLESHEET } from './graphiql.assets';

/**
 * GraphiQL for people with a browser (GRAPHIQL=on):
 *
 * - `GET /graphql` whose `Accept` prefers `text/html` (a browser navigating
 *   there) gets the GraphiQL page. Every other request to `/graphql` goes on
 *   to Apollo untouched, so API clients see no change, and a GET without a
 *   preflight-forcing header still gets Apollo's CSRF refusal.
 * - `/graphiql/*`: the bundle built from npm by `npm run build` (web/build.ts).
 * - `GET /`: a small page that links to it.
 *
 * The pages load nothing from another origin, and their Content-Security-Policy says so.
 */
export function registerGraphiQLRoutes(app: Express, config: Config, logger: Logger): void {
  if (!config.graphiql) return;
  const built = existsSync(join(GRAPHIQL_ASSETS_DIR, GRAPHIQL_SCRIPT));
  if (!built) logger.warn({ assets: GRAPHIQL_ASSETS_DIR }, 'GraphiQL is on but not built: run `npm run build`');

  app.get('/', (_req, res) => sendPage(res, LANDING_PAGE, LANDING_PAGE_POLICY));
  app.get('/graphql', (req, res, next) => {
    if (!prefersHtml(req)) return next();
    if (!built) return void res.status(503).type('text/plain').send('GraphiQL is not built on this server: run `npm run build`.\n');
    sendPage(res, GRAPHIQL_PAGE, GRAPHIQL_PAGE_POLICY);
  });
  app.use('/graphiql', assets());
}

/** Whether the client would rather have HTML than a GraphQL response: a browser's navigation, not `*\/*` or JSON. */
function prefersHtml(req: Request): boolean {
  return req.accepts(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html';
}

function sendPage(res: Response, html: string, policy: string): void {
  res
    .status(200)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': policy,
      'cache-control': 'no-cache',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    })
    .send(html);
}

/** The bundle's files; revalidated on every load (their names carry no hash), never sniffed. */
function assets(): RequestHandler {
  return express.static(GRAPHIQL_ASSETS_DIR, {
    index: false,
    setHeaders: (res) => {
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
      // Monaco's workers are scripts of their own: this policy is theirs.
      res.setHeader('content-security-policy', GRAPHIQL_PAGE_POLICY);
    },
  });
}

const policy = (directives: Record<string, string>) =>
  Object.entries(directives)
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');

/**
 * Same origin only. `connect-src 'self'` covers the page's own ws:/wss: URL
 * (CSP Level 3). Styles allow 'unsafe-inline' because Monaco and GraphiQL's
 * components set style attributes and inject style elements at run time;
 * scripts get no such allowance (no inline script, no eval).
 */
const GRAPHIQL_PAGE_POLICY = policy({
  'default-src': "'none'",
  'script-src': "'self'",
  'worker-src': "'self'",
  'connect-src': "'self'",
  'style-src': "'self' 'unsafe-inline'",
  'font-src': "'self' data:",
  'img-src': "'self' data:",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
});

const LANDING_PAGE_POLICY = policy({ 'default-src': "'none'", 'base-uri': "'none'", 'form-action': "'none'", 'frame-ancestors': "'none'" });

const GRAPHIQL_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sidedoor · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/graphiql/${GRAPHIQL_STYLESHEET}">
<style>body { margin: 0; } #graphiql { height: 100vh; height: 100dvh; }</style>
<script src="/graphiql/${GRAPHIQL_SCRIPT}" defer></script>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript. API clients: POST to this URL with Content-Type: application/json.</noscript>
</body>
</html>
`;

const LANDING_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sidedoor</title>
<link rel="icon" href="data:,">
</head>
<body>
<h1>Sidedoor</h1>
<p>The GraphQL API of a shared team inbox with guest access.</p>
<ul>
<li><a href="/graphql">Explore the API in GraphiQL</a> (log in with the <code>logIn</code> mutation, then put <code>{"Authorization": "Bearer &lt;token&gt;"}</code> in its Headers tab)</li>
<li>API clients: <code>POST /graphql</code>; subscriptions: <code>ws://…/graphql</code>, protocol <code>graphql-transport-ws</code></li>
</ul>
</body>
</html>
`;
