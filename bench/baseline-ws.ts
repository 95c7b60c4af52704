/**
 * The websocket baseline: a plain `ws` server that answers the
 * graphql-transport-ws handshake and remembers each socket's subscriptions,
 * nothing more. With BASELINE_REDIS_URL and BASELINE_CHANNEL it also
 * SUBSCRIBEs (raw ioredis) and sends every message it hears, as is, to every
 * socket: the floor under any fan-out.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveParent } from './proc';

const sockets = new Set<WebSocket>();
const subscriptions = new WeakMap<WebSocket, Map<string, unknown>>();

const httpServer = createServer((_req, res) => {
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server: httpServer, path: '/graphql', perMessageDeflate: false, maxPayload: 1024 * 1024 });

wss.on('connection', (socket) => {
  sockets.add(socket);
  subscriptions.set(socket, new Map());
  socket.on('message', (data) => {
    let message: { type?: string; id?: string; payload?: unknown };
    try {
      message = JSON.parse(data.toString());
    } catch {
      return socket.close(4400, 'Invalid message');
    }
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
    else if (message.type === 'subscribe' && message.id) subscriptions.get(socket)!.set(message.id, message.payload);
    else if (message.type === 'complete' && message.id) subscriptions.get(socket)!.delete(message.id);
  });
  socket.on('close', () => sockets.delete(socket));
});

const redisUrl = process.env.BASELINE_REDIS_URL;
const channel = process.env.BASELINE_CHANNEL;
let redis: Redis | null = null;

async function main(): Promise<void> {
  if (redisUrl && channel) {
    redis = new Redis(redisUrl);
    redis.on('message', (_channel: string, message: string) => {
      for (const socket of sockets) socket.send(message);
    });
    await redis.subscribe(channel);
  }
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', () => resolve()));
  serveParent((httpServer.address() as AddressInfo).port, {
    extra: () => ({ sockets: sockets.size }),
    stop: async () => {
      for (const socket of sockets) socket.terminate();
      wss.close();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      if (redis) redis.disconnect();
    },
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
