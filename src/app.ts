import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import type { Config } from './config';
import { registerAttachmentRoutes } from './attachment/attachment.routes';
import { createContext, type Context } from './context';
import { createDatabase, openDatabase, type Database } from './db';
import { ErrorCode, formatError, isDatabaseUnavailable } from './errors';
import { createLogger, type Logger } from './logger';
import { registerUnsubscribeRoutes } from './mail/unsubscribe.routes';
import type { OutboundTransport } from './message/message.transport';
import { attachWebSocketServer } from './realtime/websocket';
import { getSchema } from './schema';
import { securityPlugin } from './security/apollo-plugin';
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

/** The bearer token of an `Authorization` header or a `connection_init` payload. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1]! : null;
}

function jsonError(status: number, message: string, code = 'BAD_USER_INPUT', extensions: Record<string, unknown> = {}) {
  return { status, body: { errors: [{ message, extensions: { code, ...extensions } }] } };
}

/** Builds one Sidedoor server instance; several may share a process (tests) or a database (scale-out). */
export function createApp(config: Config, options: { logger?: Logger; transport?: OutboundTransport } = {}): App {
  const logger = options.logger ?? createLogger(config);
  const database = createDatabase(config, logger);
  const services = createServices({ dataSource: database.dataSource, config, logger, transport: options.transport });
  const app = express();
  const httpServer = createServer(app);

  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestLog(logger));
  // Browsers on the listed origins (any, when none is listed) may call the API. Credentials travel in
  // the Authorization header, never in cookies, so no origin gains ambient authority.
  app.use(
    ['/graphql', '/attachments'],
    cors({
      origin: config.allowedOrigins.length > 0 ? [...config.allowedOrigins] : true,
      allowedHeaders: ['authorization', 'content-type', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id', 'range', 'if-range'],
      exposedHeaders: ['x-request-id', 'content-disposition', 'content-range', 'accept-ranges', 'content-length'],
      maxAge: 600,
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    try {
      await withTimeout(database.dataSource.query('SELECT 1'), 2000);
      checks.database = 'ok';
    } catch {
      checks.database = 'unavailable';
    }
    if (config.redisUrl) checks.redis = (await withTimeout(services.realtime.ping(), 2000).catch(() => false)) ? 'ok' : 'unavailable';
    const ready = Object.values(checks).every((status) => status === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });

  registerAttachmentRoutes(app, services, config);
  registerUnsubscribeRoutes(app, services, logger);

  // Websockets on the same path; disposed by Apollo's drain so sockets close with 1001 on shutdown.
  const websockets = attachWebSocketServer({
    httpServer,
    schema: getSchema(),
    services,
    config,
    logger,
    trustProxy: app.get('trust proxy fn'),
  });

  const apollo = new ApolloServer<Context>({
    schema: getSchema(),
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
      { serverWillStart: async () => ({ drainServer: () => websockets.dispose() }) },
      ApolloServerPluginLandingPageDisabled(),
      // We set no cache hints; Apollo's default cache-control plugin would still wrap every resolver to read them.
      ApolloServerPluginCacheControlDisabled(),
      securityPlugin(config),
    ],
  });

  const contextFor = async (req: Request): Promise<Context> => {
    const token = bearerToken(req.headers.authorization);
    const requestId = req.res!.locals.requestId as string;
    let viewer: Context['viewer'] = null;
    try {
      viewer = token ? await services.sessions.authenticate(token) : null;
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
    return createContext(services, viewer, { requestId, ip: req.ip ?? null });
  };

  const bodyErrors: ErrorRequestHandler = (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    const requestId = res.locals.requestId as string;
    const { status, body } =
      error?.type === 'entity.too.large'
        ? jsonError(413, 'The request body is larger than 1 MB.')
        : error?.type === 'entity.parse.failed'
          ? jsonError(400, 'The request body is not valid JSON.')
          : error?.status && error.status < 500
            ? jsonError(error.status, String(error.message))
            : (logger.error({ err: error, requestId }, 'request failed'),
              jsonError(500, 'Something went wrong on our side.', 'INTERNAL_SERVER_ERROR', { requestId }));
    res.status(status).json(body);
  };

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
      app.use(
        '/graphql',
        express.json({ limit: '1mb' }),
        expressMiddleware(apollo, { context: ({ req }) => contextFor(req) }),
      );
      app.use(bodyErrors);
      started = true;
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, () => resolve());
      });
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
        if (database.dataSource.isInitialized) await database.dataSource.destroy();
      } finally {
        await services.rateLimits.close();
        await services.mailer.close();
      }
    },
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
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const started = process.hrtime.bigint();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    res.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'warn' : 'info';
      logger[level]({ requestId, method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
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
