import type { Server } from 'node:http';
import { execute, type GraphQLSchema } from 'graphql';
import { CloseCode, handleProtocols } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { TrustProxy } from '../security/client-address';
import type { Services } from '../services';
import { Allowance } from './allowance';
import type { LiveConnection } from './connection';
import { startKeepAlive } from './keep-alive';
import { SharedSubscriptionExecution } from './subscription-execution';
import { NextFrames, ProtocolConnection, type ProtocolOptions, type ProtocolSocket } from './websocket-protocol';
import { acceptUpgrades, type Peer } from './websocket-upgrade';
import { operationHooks, TOO_MANY_CONNECTIONS, type ConnectionExtra } from './websocket-operations';

/** The largest frame a client may send; larger ones close the socket with 1009. @default 1 MiB */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** How long a socket may stay open without `connection_init` before it is closed with 4408. @default 3 s */
export const CONNECTION_INIT_TIMEOUT_MS = 3000;
/** Interval of the server's pings; a client that does not pong within it is dropped. @default 12 s */
export const KEEP_ALIVE_MS = 12_000;
/** How long shutdown waits for clients to answer the 1001 close before dropping them. @default 2 s */
export const CLOSE_HANDSHAKE_MS = 2000;

export const GRAPHQL_PATH = '/graphql';

export interface WebSocketEndpoint {
  /** Closes every socket with 1001 and stops accepting upgrades. */
  dispose(): Promise<void>;
}

/**
 * graphql-ws's protocol (`graphql-transport-ws`) on the HTTP server's
 * `/graphql`, in four parts: the upgrade (path, origin, client address), the
 * protocol (websocket-protocol.ts: graphql-ws's messages, with subscriptions
 * pushed to), the operation hooks (authentication, validation and limits,
 * error formatting, as Apollo does over HTTP) and the keep-alive. This
 * function only binds them to `ws`, with our logger instead of the console.
 */
export function attachWebSocketServer(options: {
  httpServer: Server;
  schema: GraphQLSchema;
  services: Services;
  config: Config;
  logger: Logger;
  trustProxy: TrustProxy;
}): WebSocketEndpoint {
  const { httpServer, schema, services, config, trustProxy } = options;
  const logger = options.logger.child({ component: 'websocket' });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_PAYLOAD_BYTES, handleProtocols });
  let disposed = false;

  acceptUpgrades({ httpServer, wss, path: GRAPHQL_PATH, allowedOrigins: config.allowedOrigins, trustProxy, logger, accepting: () => !disposed });
  const protocolOptions: ProtocolOptions<ConnectionExtra> = {
    ...operationHooks({ schema, services, config, logger }),
    executor: { execute, subscribe: new SharedSubscriptionExecution().subscribe },
    connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
    frames: new NextFrames(),
  };
  const stopKeepAlive = startKeepAlive(wss, KEEP_ALIVE_MS);
  const perAddress = new Allowance(config.webSocketLimits.connectionsPerIp);

  // A client's oversized frame or broken framing is its own problem (ws has already closed the socket with 1009 or 1002).
  const clientError = (error: Error) => logger.debug({ err: error }, 'websocket client error');

  wss.on('connection', (socket: WebSocket, peer: Peer) => {
    socket.on('error', clientError);
    // Counted before anything else: unauthenticated sockets hold memory too. Without an address (no proxy header), all share one.
    const leave = perAddress.take(peer.ip ?? 'unknown');
    if (!leave) {
      logger.debug({ ip: peer.ip }, 'websocket refused: too many connections from this address');
      socket.close(TOO_MANY_CONNECTIONS, 'Too many connections from your address');
      return;
    }
    const adapter = new SocketAdapter(socket, peer, logger);
    const protocol = new ProtocolConnection<ConnectionExtra>(adapter, adapter, protocolOptions);
    socket.on('message', (data) => void protocol.message(String(data)).catch((error: unknown) => adapter.failed(error)));
    socket.on('close', () => {
      leave();
      protocol.closed();
    });
  });

  return {
    async dispose() {
      if (disposed) return;
      disposed = true;
      stopKeepAlive();
      for (const client of wss.clients) client.close(1001, 'Going away');
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      // A client that does not answer the close handshake must not hold up the shutdown.
      const stragglers = setTimeout(() => wss.clients.forEach((client) => client.terminate()), CLOSE_HANDSHAKE_MS);
      await closed;
      clearTimeout(stragglers);
    },
  };
}

/**
 * One `ws` socket as the protocol and the operation hooks see it: how to send
 * and close, its client's address, the connection a subscription ends when
 * its session does. One object with methods, not closures: thousands of idle
 * sockets each hold one.
 */
class SocketAdapter implements ProtocolSocket, ConnectionExtra, LiveConnection {
  constructor(
    private readonly socket: WebSocket,
    readonly peer: Peer,
    private readonly logger: Logger,
  ) {}

  get protocol(): string {
    return this.socket.protocol;
  }

  get connection(): LiveConnection {
    return this;
  }

  send(data: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.socket.readyState !== this.socket.OPEN) return resolve();
      this.socket.send(data, (error) => (error ? reject(error) : resolve()));
    });
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  endSession(): void {
    this.socket.close(CloseCode.Forbidden, 'Forbidden');
  }

  failed(error: unknown): void {
    this.logger.error({ err: error }, 'websocket message handling failed');
    this.socket.close(CloseCode.InternalServerError, 'Internal server error');
  }
}
