import 'reflect-metadata';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import { registerAttachmentRoutes } from './attachment/attachment.routes';
import { bearerToken } from './auth/tokens';
import type { Config } from './config';
import { createContext, type Context } from './context';
import { closeDatabase, createDatabase, openDatabase, type Database } from './db';
import { directGraphQL, GRAPHQL_BODY_LIMIT_BYTES, takesDirectPath, type GraphQLRequestSteps } from './direct-graphql';
import { ErrorCode, formatError, isDatabaseUnavailable } from './errors';
import { registerGraphiQLRoutes } from './graphiql/graphiql.routes';
import { createLogger, type Logger } from './logger';
import { registerUnsubscribeRoutes } from './mail/unsubscribe.routes';
import type { OutboundTransport } from './message/message.transport';
import { attachWebSocketServer, GRAPHQL_PATH, type WebSocketEndpoint } from './realtime/websocket';
import { queryExecutorGateway } from './query-executor';
import { getSchema } from './schema';
import { securityPlugin } from './security/apollo-plugin';
import { clientAddress, compileTrustProxy, type TrustProxy } from './security/client-address';
import { documentLimitRules, operationParseOptions } from './security/limits';
import { requestIdFrom, tagRequest } from './security/request-id';
import { createServices, type Services } from './services';

export interface App {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly services: Services;
  readonly httpServer: Server;
  /** Connects, migrates and listens; resolves with the bound port. */
  start(port?: number): Promise<number>;
  /** Stops accepting, finishes requests in flight, closes websockets with 1001 and releases connections. */
  stop(): Promise<void>;
}

/** Builds one Sidedoor server instance; several may share a process (tests) or a database (scale-out). */
export function createApp(config: Config, options: { logger?: Logger; transport?: OutboundTransport } = {}): App {
  const logger = options.logger ?? createLogger(config);
  const database = createDatabase(config, logger);
  const services = createServices({ dataSource: database.dataSource, config, logger, transport: options.transport });
  const trustProxy = compileTrustProxy(config.trustProxy);
  const http = createHttpApp({ config, logger, database, services, trustProxy });
  // Plain JSON POSTs to /graphql skip Express once Apollo has started (src/direct-graphql.ts).
  let direct: RequestListener | undefined;
  const httpServer = createServer((req, res) => (direct && takesDirectPath(req) ? direct(req, res) : http(req, res)));
  const websockets = attachWebSocketServer({ httpServer, schema: getSchema(), services, config, logger, trustProxy });
  const apollo = createApolloServer({ config, logger, httpServer, websockets });

  let started = false;
  return {
    config,
    logger,
    database,
    services,
    httpServer,
    async start(port = config.port) {
      // pg-boss installs or migrates its own schema after ours, under the same lock.
      await openDatabase(database, { afterMigrations: () => services.jobs.install() });
      services.attachments.startCleanup();
      services.realtime.start();
      await services.jobs.start();
      await apollo.start();
      const steps = graphQLRequestSteps({ config, logger, services, trustProxy });
      mountGraphQL(http, apollo, steps);
      direct = directGraphQL(apollo, steps);
      started = true;
      await listen(httpServer, port);
      return (httpServer.address() as AddressInfo).port;
    },
    async stop() {
      try {
        // First, while the database is open: running jobs finish, or are handed back for a retry.
        await services.jobs.stop();
        await services.attachments.stopCleanup();
        if (started) await apollo.stop();
        await services.realtime.close();
        if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await closeDatabase(database);
      } finally {
        await services.rateLimits.close();
        await services.mailer.close();
      }
    },
  };
}

/**
 * Express, in the order a request meets it: the request id and access log,
 * CORS for browsers on ALLOWED_ORIGINS, health checks, attachments. `/graphql`
 * is mounted at start, once Apollo has started.
 */
function createHttpApp(parts: { config: Config; logger: Logger; database: Database; services: Services; trustProxy: TrustProxy }): Express {
  const { config, logger, database, services, trustProxy } = parts;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy);
  app.use(requestLog(logger));
  app.use([GRAPHQL_PATH, '/attachments'], corsPolicy(config, logger) as RequestHandler);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await readiness(database, services, config);
    const ready = Object.values(checks).every((status) => status === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  registerAttachmentRoutes(app, services, config, logger);
  // Before Apollo's middleware (mounted in start()): a browser's GET /graphql gets GraphiQL, everything else goes on.
  registerGraphiQLRoutes(app, config, logger);
  registerUnsubscribeRoutes(app, services, logger);
  return app;
}

/**
 * Browsers on the listed origins (any, when none is listed) may call the API.
 * Credentials travel in the Authorization header, never in cookies, so no
 * origin gains ambient authority.
 */
function corsPolicy(config: Config, logger: Logger): GraphQLRequestSteps['cors'] {
  const allowed = new Set(config.allowedOrigins);
  return cors({
    origin:
      allowed.size === 0
        ? true
        : (origin, callback) => {
            if (origin === undefined || allowed.has(origin)) return callback(null, true);
            logger.warn({ origin }, 'CORS request refused: origin not in ALLOWED_ORIGINS');
            callback(null, false);
          },
    allowedHeaders: ['authorization', 'content-type', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id', 'range', 'if-range'],
    exposedHeaders: ['x-request-id', 'content-disposition', 'content-range', 'accept-ranges', 'content-length'],
    maxAge: 600,
  });
}

async function readiness(database: Database, services: Services, config: Config): Promise<Record<string, string>> {
  const checks: Record<string, string> = {};
  checks.database = (await withTimeout(database.dataSource.query('SELECT 1'), 2000).then(() => true, () => false)) ? 'ok' : 'unavailable';
  if (config.redisUrl) checks.redis = (await withTimeout(services.realtime.ping(), 2000).catch(() => false)) ? 'ok' : 'unavailable';
  return checks;
}

function createApolloServer(parts: { config: Config; logger: Logger; httpServer: Server; websockets: WebSocketEndpoint }): ApolloServer<Context> {
  const { config, logger, httpServer, websockets } = parts;
  return new ApolloServer<Context>({
    // Queries through graphql-jit, the rest through graphql-js (src/query-executor.ts).
    gateway: queryExecutorGateway(getSchema()),
    // Who may introspect depends on the caller: securityPlugin decides (SPEC §5).
    introspection: true,
    // main.ts owns the signals: Apollo's own handlers would stop it behind our back and re-raise the signal.
    stopOnTerminationSignals: false,
    // A browser sends none of these headers cross-site without a CORS preflight, which ALLOWED_ORIGINS
    // governs; so an API client's GET with its bearer token is no CSRF risk.
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'] },
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    parseOptions: operationParseOptions(config),
    validationRules: documentLimitRules(config),
    formatError: (formatted, error) => formatError(logger, formatted, error),
    logger,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo's drain disposes the websockets, so they close with 1001 on shutdown.
      { serverWillStart: async () => ({ drainServer: () => websockets.dispose() }) },
      ApolloServerPluginLandingPageDisabled(),
      // We set no cache hints; Apollo's default cache-control plugin would still wrap every resolver to read them.
      ApolloServerPluginCacheControlDisabled(),
      securityPlugin(config),
    ],
  });
}

/**
 * What every `/graphql` request goes through, on the Express path and the
 * direct one alike: the request id and access log, CORS, who is asking, and
 * the answer to a body that could not be read.
 */
function graphQLRequestSteps(parts: { config: Config; logger: Logger; services: Services; trustProxy: TrustProxy }): GraphQLRequestSteps {
  const { config, logger, services, trustProxy } = parts;
  return {
    begin: (req, res) => beginRequest(logger, req, res),
    cors: corsPolicy(config, logger),
    context: (req, requestId) => contextFor(req, requestId, clientAddress(req, trustProxy), services),
    bodyError: (error, requestId) => bodyErrorAnswer(logger, error, requestId),
  };
}

/** `/graphql` over HTTP through Express: JSON bodies up to 1 MB, one context per request, body errors in the GraphQL shape. */
function mountGraphQL(app: Express, apollo: ApolloServer<Context>, steps: GraphQLRequestSteps): void {
  const context = ({ req, res }: { req: Request; res: { locals: Record<string, unknown> } }) => steps.context(req, res.locals.requestId as string);
  app.use(GRAPHQL_PATH, express.json({ limit: GRAPHQL_BODY_LIMIT_BYTES }), expressMiddleware(apollo, { context }));
  app.use(bodyErrors(steps));
}

/** Who is asking, from the bearer token: one statement. */
async function contextFor(req: IncomingMessage, requestId: string, ip: string | null, services: Services): Promise<Context> {
  const token = bearerToken(req.headers.authorization);
  const client = { ip, userAgent: req.headers['user-agent'] ?? null };
  try {
    const viewer = token ? await services.sessions.authenticate(token) : null;
    return createContext(services, viewer, { requestId, client });
  } catch (error) {
    // Apollo would answer 500 "Context creation failed: <driver message>"; say what happened instead.
    if (!isDatabaseUnavailable(error)) throw error;
    const unavailable = new GraphQLError('database unavailable', {
      originalError: error as Error,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, http: { status: 503 } },
    });
    tagRequest(unavailable, requestId);
    throw unavailable;
  }
}

function jsonError(status: number, message: string, code = 'BAD_USER_INPUT', extensions: Record<string, unknown> = {}) {
  return { status, body: { errors: [{ message, extensions: { code, ...extensions } }] } };
}

/** Bodies that could not be read (too large, not JSON) answered in the GraphQL error shape. */
function bodyErrorAnswer(logger: Logger, failure: unknown, requestId: string) {
  const error = failure as { type?: string; status?: number; message?: string } | undefined;
  return error?.type === 'entity.too.large'
    ? jsonError(413, 'The request body is larger than 1 MB.')
    : error?.type === 'entity.parse.failed'
      ? jsonError(400, 'The request body is not valid JSON.')
      : error?.status && error.status < 500
        ? jsonError(error.status, String(error.message))
        : (logger.error({ err: error, requestId }, 'request failed'),
          jsonError(500, 'Something went wrong on our side.', 'INTERNAL_SERVER_ERROR', { requestId }));
}

/** Express's errors after the routes: a body it could not read, or a failure, answered by `bodyError`. */
function bodyErrors(steps: GraphQLRequestSteps): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    const { status, body } = steps.bodyError(error, res.locals.requestId as string);
    res.status(status).json(body);
  };
}

/**
 * Gives every request an id (the client's `x-request-id` when it is plain, else
 * a new one), echoes it in the response, and logs one line per request: method,
 * path without its query string (it may hold variables or a signed link),
 * status and duration. Never headers or bodies.
 */
function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    res.locals.requestId = beginRequest(logger, req, res);
    next();
  };
}

/** The request id and the access log line of `requestLog`, on a bare node:http request (the direct path's first step). */
function beginRequest(logger: Logger, req: IncomingMessage, res: ServerResponse): string {
  const requestId = requestIdFrom(req.headers['x-request-id']);
  const started = process.hrtime.bigint();
  // Read now: Express rewrites req.url while it routes.
  const path = (req.url ?? '').split('?')[0];
  res.setHeader('x-request-id', requestId);
  res.once('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const level = res.statusCode >= 500 ? 'warn' : 'info';
    logger[level]({ requestId, method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
  });
  return requestId;
}

function listen(httpServer: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, () => resolve());
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error) => (clearTimeout(timer), reject(error)),
    );
  });
}
