/**
 * A minimal graphql-transport-ws client over `ws`: thousands of them must fit
 * in the load generator, and each message's arrival time is taken the moment
 * the socket hands it over.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export interface Received {
  /** When the socket handed the message over, in ms since the epoch (comparable across processes). */
  at: number;
  raw: string;
  message: { id?: string; type: string; payload?: any };
}

export class SubscriberSocket {
  private socket: WebSocket | null = null;
  closedWith: { code: number; reason: string } | null = null;
  errors: unknown[] = [];

  constructor(
    private readonly url: string,
    private readonly token: string | null,
    private readonly onMessage: (received: Received) => void,
  ) {}

  /** Opens, sends connection_init and resolves on connection_ack. */
  open(timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url, 'graphql-transport-ws', { perMessageDeflate: false });
      this.socket = socket;
      const timer = setTimeout(() => {
        reject(new Error('no connection_ack in time'));
        socket.terminate();
      }, timeoutMs);
      let acked = false;
      socket.on('open', () => {
        socket.send(JSON.stringify({ type: 'connection_init', payload: this.token ? { authorization: `Bearer ${this.token}` } : {} }));
      });
      socket.on('message', (data) => {
        const at = performance.timeOrigin + performance.now();
        const raw = data.toString();
        const message = JSON.parse(raw);
        if (message.type === 'connection_ack') {
          acked = true;
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'ping') {
          socket.send('{"type":"pong"}');
        } else if (message.type !== 'pong') {
          this.onMessage({ at, raw, message });
        }
      });
      socket.on('error', (error) => {
        this.errors.push(error);
        if (!acked) {
          clearTimeout(timer);
          reject(error);
        }
      });
      socket.on('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString() };
        if (!acked) {
          clearTimeout(timer);
          reject(new Error(`closed ${code} ${reason.toString()} before connection_ack`));
        }
      });
    });
  }

  subscribe(id: string, query: string, variables: Record<string, unknown>): void {
    this.socket!.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  close(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.terminate();
        resolve();
      }, 2000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.close(1000, 'bench done');
    });
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inBatches<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  });
  await Promise.all(workers);
}
