import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode, handleProtocols, makeServer, type Context as ConnectionContext } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Viewer } from '../auth/viewer';
import type { Config } from '../config';
import { createContext, type Context } from '../context';
import { ErrorCode, formatError } from '../errors';
import type { Logger } from '../logger';
import { mayIntrospect, withoutSuggestions } from '../security/introspection';
import { operationLimitRules, operationParseOptions, tooManyTokens } from '../security/limits';
import { tagRequest } from '../security/request-id';
import type { Services } from '../services';
import { bindConnection } from './connection';
import { SESSION_ENDED_CLOSE_CODE } from './conversation-feed';
import { SharedSubscriptionExecution } from './shared-execution';

/** The largest frame a client may send; larger ones close the socket with 1009. @default 1 MiB */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** How long a socket may stay open without `connection_init` before it is closed with 4408. @default 3 s */
export const CONNECTION_INIT_TIMEOUT_MS = 3000;
/** Operations one connection may hold at once. @default 50 */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;

/** Interval of the server's pings; a client that does not pong within it is dropped. @default 12 s */
export const KEEP_ALIVE_MS = 12_000;

/** How long shutdown waits for clients to answer the 1001 close before dropping them. @default 2 s */
export const CLOSE_HANDSHAKE_MS = 2000;

/** Parsed operations kept for reuse, oldest dropped first. @default 500 */
export const DOCUMENT_CACHE_SIZE = 500;

export const GRAPHQL_PATH = '/graphql';

/** What each connection's graphql-ws context carries besides the protocol state. */
interface Extra {
  readonly socket: WebSocket;
  /** The client's address, read from the upgrade request (which is not kept: it is large). */
  readonly ip: string | null;
}

type ConnectionParams = { authorization?: unknown; Authorization?: unknown };

/** What onConnect learned: the token, authenticated again for each operation. */
interface Connection {
  readonly token: string;
  /** As of the connection's last operation: decides whether error messages may suggest field names. */
  viewer: Viewer | null;
}

/** The bearer token of a `connection_init` payload: `{ "authorization": "Bearer <token>" }`. */
function bearerToken(params: ConnectionParams | undefined): string | null {
  const header = params?.authorization ?? params?.Authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1]! : null;
}

/** Whether the hop-th address (0: the socket's peer) is a proxy we trust to tell who it forwards for. */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * The client's address as express computes `req.ip` (proxy-addr's walk):
 * from the socket outwards through X-Forwarded-For, the first address not
 * trusted as a proxy.
 */
function clientAddress(request: IncomingMessage, trust: TrustProxy): string | null {
  const peer = request.socket.remoteAddress;
  if (!peer) return null;
  const forwarded = request.headers['x-forwarded-for'];
  const hops = [peer, ...(typeof forwarded === 'string' ? forwarded.split(',').map((hop) => hop.trim()).filter(Boolean).reverse() : [])];
  let hop = 0;
  while (hop < hops.length - 1 && trust(hops[hop]!, hop)) hop += 1;
  return hops[hop]!;
}

/** graphql-js words its token limit as a syntax error (with a typo). */
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] (\d+) tokens\. Parsing aborted\.$/;

const inputError = (message: string, reason: string) => new GraphQLError(message, { extensions: { code: reason } });

export interface WebSocketEndpoint {
  /** Closes every socket with 1001 and stops accepting upgrades. */
  dispose(): Promise<void>;
}

/**
 * graphql-ws (`graphql-transport-ws`) on the HTTP server's `/graphql`. It
 * applies what Apollo's plugins apply over HTTP, since websocket operations
 * bypass them: authentication (in `onConnect`, from `connection_init`), the
 * same validation rules and limits, and the same error formatting.
 */
export function attachWebSocketServer(options: {
  httpServer: Server;
  schema: GraphQLSchema;
  services: Services;
  config: Config;
  logger: Logger;
  /** express's compiled `trust proxy` setting, so both transports agree on the client's address. */
  trustProxy: TrustProxy;
}): WebSocketEndpoint {
  const { httpServer, schema, services, config, logger, trustProxy } = options;
  const log = logger.child({ component: 'websocket' });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_PAYLOAD_BYTES, handleProtocols });
  const connections = new WeakMap<ConnectionContext, Connection>();
  // Clients send the same few operations over and over: one parsed copy each
  // (never mutated) serves every subscription, which keeps idle ones small.
  const documents = new Map<string, DocumentNode>();
  const remember = (query: string, document: DocumentNode) => {
    if (documents.size >= DOCUMENT_CACHE_SIZE) documents.delete(documents.keys().next().value!);
    documents.set(query, document);
  };
  let disposed = false;

  const refuse = (socket: Duplex, status: number, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== GRAPHQL_PATH) return refuse(socket, 404, 'Not Found');
    if (disposed) return refuse(socket, 503, 'Service Unavailable');
    // Browsers always send Origin on a websocket handshake, so a page of another
    // site is refused here; clients that are not browsers send none and pass.
    const origin = request.headers.origin;
    if (config.allowedOrigins.length > 0 && origin !== undefined && !config.allowedOrigins.includes(origin)) {
      return refuse(socket, 403, 'Forbidden');
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  const format = (ctx: ConnectionContext, errors: readonly GraphQLError[]) => {
    const viewer = connections.get(ctx)?.viewer ?? null;
    const hideSuggestions = !mayIntrospect(config, viewer);
    return errors.map((error) => {
      // Errors outside the resolver chain (bad variables, unknown operation) are the caller's input.
      const requestError = !error.originalError && !error.path && !error.extensions?.code;
      const tagged = requestError ? inputError(error.message, 'GRAPHQL_VALIDATION_FAILED') : error;
      const formatted = formatError(log, { ...tagged.toJSON(), locations: error.locations }, requestError ? tagged : error);
      return hideSuggestions ? { ...formatted, message: withoutSuggestions(formatted.message) } : formatted;
    });
  };

  const sharedExecution = new SharedSubscriptionExecution();
  const protocol = makeServer<ConnectionParams, Extra>(
    {
      schema,
      subscribe: sharedExecution.subscribe,
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,

      async onConnect(ctx) {
        const token = bearerToken(ctx.connectionParams);
        const viewer = token ? await services.sessions.authenticate(token) : null;
        if (!token || !viewer) return false;
        connections.set(ctx, { token, viewer });
        return true;
      },

      async onSubscribe(ctx, _id, payload) {
        const connection = connections.get(ctx);
        const { socket, ip } = ctx.extra;
        if (!connection) return [new GraphQLError('Not authenticated.', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
        // ctx.subscriptions already holds this one.
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [
            new GraphQLError(
              `A connection holds at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions: complete one, or open another connection.`,
              { extensions: { code: ErrorCode.RATE_LIMITED } },
            ),
          ];
        }

        // Each operation runs as the session is now (guest access read fresh); a session that ended closes the socket.
        const viewer = await services.sessions.authenticate(connection.token);
        if (!viewer) {
          socket.close(SESSION_ENDED_CLOSE_CODE, 'Forbidden');
          return [new GraphQLError('Your session has ended.', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
        }
        connection.viewer = viewer;

        let document = documents.get(payload.query);
        if (!document) {
          try {
            document = parse(payload.query, operationParseOptions(config));
          } catch (error) {
            const message = (error as Error).message.replace(TOKEN_LIMIT_MESSAGE, tooManyTokens);
            return [inputError(message, 'GRAPHQL_PARSE_FAILED')];
          }
          remember(payload.query, document);
        }
        // The same rules as over HTTP, judged for this viewer and these variables.
        const rules = [...specifiedRules, ...operationLimitRules(config, { viewer, variables: payload.variables ?? {} })];
        const errors = validate(schema, document, rules);
        if (errors.length > 0) {
          const hideSuggestions = !mayIntrospect(config, viewer);
          return errors.map(
            (error) =>
              new GraphQLError(hideSuggestions ? withoutSuggestions(error.message) : error.message, {
                nodes: error.nodes,
                extensions: error.extensions?.code ? error.extensions : { code: 'GRAPHQL_VALIDATION_FAILED' },
              }),
          );
        }
        if (!getOperationAST(document, payload.operationName)) {
          return [inputError('The operation to run is missing or ambiguous: send one operation, or name it in operationName.', 'OPERATION_RESOLUTION_FAILURE')];
        }

        const context = createContext(services, viewer, { requestId: randomUUID(), ip });
        bindConnection(context, { close: (code, reason) => socket.close(code, reason) });
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: context,
        };
      },

      onNext(ctx, _id, _payload, args, result: ExecutionResult) {
        if (!result.errors) return result;
        const errors = result.errors;
        for (const error of errors) tagRequest(error, (args.contextValue as Context).requestId);
        return { ...result, errors: format(ctx, errors) };
      },

      onError(ctx, _id, _payload, errors) {
        return format(ctx, errors);
      },
    },
  );

  // The binding of graphql-ws's `use/ws`, with our logger instead of the
  // console: a client's oversized frame or broken framing is its own problem
  // (ws has already closed the socket with 1009 or 1002), not a server error.
  // One sweep pings every socket (a timer per socket would cost each idle subscriber a timer and a closure):
  // a socket that did not answer the previous ping is dropped.
  const unanswered = new WeakSet<WebSocket>();
  const keepAlive = setInterval(() => {
    for (const client of wss.clients) {
      if (unanswered.has(client)) {
        client.terminate();
        continue;
      }
      unanswered.add(client);
      client.ping();
    }
  }, KEEP_ALIVE_MS);
  keepAlive.unref();
  const answered = function (this: WebSocket) {
    unanswered.delete(this);
  };

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    socket.once('error', (error) => log.debug({ err: error }, 'websocket client error'));
    socket.on('pong', answered);
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (error) {
              log.error({ err: error }, 'websocket message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, ip: clientAddress(request, trustProxy) },
    );
    socket.once('close', (code, reason) => void closed(code, reason.toString()));
  });

  return {
    async dispose() {
      if (disposed) return;
      disposed = true;
      clearInterval(keepAlive);
      for (const client of wss.clients) client.close(1001, 'Going away');
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      // A client that does not answer the close handshake must not hold up the shutdown.
      const stragglers = setTimeout(() => wss.clients.forEach((client) => client.terminate()), CLOSE_HANDSHAKE_MS);
      await closed;
      clearTimeout(stragglers);
    },
  };
}
