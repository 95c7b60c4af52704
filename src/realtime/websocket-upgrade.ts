import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Logger } from '../logger';
import { clientAddress, type TrustProxy } from '../security/client-address';

/** Who opened a websocket, read from its upgrade request (which is not kept: it is large). */
export interface Peer {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Takes websocket handshakes on `path`; each accepted socket is emitted as the
 * server's `connection` event, with its `Peer` as the second argument. Browsers always send `Origin` on a websocket
 * handshake, so when ALLOWED_ORIGINS is set a page of another site is refused
 * here (403); clients that are not browsers send none and pass.
 */
export function acceptUpgrades(options: {
  httpServer: Server;
  wss: WebSocketServer;
  path: string;
  allowedOrigins: readonly string[];
  trustProxy: TrustProxy;
  logger: Logger;
  /** False once the server is shutting down: new handshakes get 503. */
  accepting: () => boolean;
}): void {
  const { httpServer, wss, path, allowedOrigins, trustProxy, logger, accepting } = options;
  httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((request.url ?? '').split('?')[0] !== path) return refuse(socket, 404, 'Not Found');
    if (!accepting()) return refuse(socket, 503, 'Service Unavailable');
    const origin = request.headers.origin;
    if (allowedOrigins.length > 0 && origin !== undefined && !allowedOrigins.includes(origin)) {
      logger.warn({ origin }, 'websocket handshake refused: origin not in ALLOWED_ORIGINS');
      return refuse(socket, 403, 'Forbidden');
    }
    const peer: Peer = { ip: clientAddress(request, trustProxy), userAgent: request.headers['user-agent'] ?? null };
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, peer));
  });
}
