import type { WebSocket, WebSocketServer } from 'ws';

/**
 * Pings every socket of the server each `intervalMs`; a socket that did not
 * answer the previous ping is dropped. One sweep for all sockets: a timer per
 * socket would cost every idle subscriber a timer and a closure. Returns the
 * function that stops it.
 */
export function startKeepAlive(wss: WebSocketServer, intervalMs: number): () => void {
  const unanswered = new WeakSet<WebSocket>();
  const answered = function (this: WebSocket) {
    unanswered.delete(this);
  };
  wss.on('connection', (socket: WebSocket) => socket.on('pong', answered));
  const timer = setInterval(() => {
    for (const client of wss.clients) {
      if (unanswered.has(client)) {
        client.terminate();
        continue;
      }
      unanswered.add(client);
      client.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
