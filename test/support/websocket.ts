import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestServer } from './server';

/** How long a test waits for something that should happen at once. */
export const PROMPTLY_MS = 3000;

/** Rejects after `ms`: a waiting test fails with a message instead of hanging until jest's timeout. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error) => (clearTimeout(timer), reject(error)),
    );
  });
}

export type Ending = { kind: 'complete' } | { kind: 'error'; error: unknown };

/** One subscription as a test sees it: every result in order, and how it ended. */
export class TestSubscription {
  readonly results: FormattedExecutionResult<any, any>[] = [];
  readonly ended: Promise<Ending>;
  private waiting: Array<() => void> = [];
  private end!: (ending: Ending) => void;
  private readonly unsubscribe: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown>) {
    this.ended = new Promise((resolve) => (this.end = resolve));
    this.unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (result) => {
          this.results.push(result);
          this.waiting.splice(0).forEach((wake) => wake());
        },
        error: (error) => this.end({ kind: 'error', error }),
        complete: () => this.end({ kind: 'complete' }),
      },
    );
  }

  /** Waits until `count` results have arrived and returns them all. */
  async take(count: number, ms = PROMPTLY_MS): Promise<FormattedExecutionResult<any, any>[]> {
    const arrived = async () => {
      while (this.results.length < count) await new Promise<void>((wake) => this.waiting.push(wake));
      return this.results.slice();
    };
    return within(arrived(), ms, `${count} results (got ${this.results.length})`);
  }

  stop(): void {
    this.unsubscribe();
  }
}

export interface TestClient {
  readonly client: Client;
  /** Resolves with the close code once the socket closes. */
  readonly closed: Promise<number>;
  subscribe(query: string, variables?: Record<string, unknown>): TestSubscription;
  dispose(): Promise<void>;
}

/** A graphql-ws client connected and acknowledged; with a null token, `connection_init` carries no authorization. */
export async function connect(server: TestServer, token: string | null, headers: Record<string, string> = {}): Promise<TestClient> {
  let closedWith!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (closedWith = resolve));
  let connected!: () => void;
  const acknowledged = new Promise<void>((resolve) => (connected = resolve));
  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    },
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    lazy: false,
    retryAttempts: 0,
    on: {
      connected: () => connected(),
      closed: (event) => closedWith((event as { code: number }).code),
    },
    onNonLazyError: () => {},
  });
  await within(Promise.race([acknowledged, closed.then((code) => Promise.reject(new Error(`socket closed with ${code}`)))]), PROMPTLY_MS, 'connection_ack');
  return {
    client,
    closed,
    subscribe: (query, variables = {}) => new TestSubscription(client, query, variables),
    dispose: () => client.dispose() as Promise<void>,
  };
}

/** A raw socket speaking graphql-transport-ws, for protocol-level tests: every message and the close code. */
export class RawSocket {
  readonly messages: any[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;
  private waiting: Array<() => void> = [];

  constructor(
    url: string,
    readonly socket = new WebSocket(url, 'graphql-transport-ws'),
  ) {
    this.opened = new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) => reject(new Error(`handshake refused with ${response.statusCode}`)));
      socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)));
      this.waiting.splice(0).forEach((wake) => wake());
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits for the first message (from the start) matching the predicate. */
  async message(predicate: (message: any) => boolean, what: string, ms = PROMPTLY_MS): Promise<any> {
    const found = async () => {
      for (;;) {
        const message = this.messages.find(predicate);
        if (message) return message;
        await new Promise<void>((wake) => this.waiting.push(wake));
      }
    };
    return within(found(), ms, what);
  }

  close(): void {
    this.socket.close();
  }
}

/** A raw socket that has sent connection_init with `token` and got its connection_ack. */
export async function acknowledgedSocket(server: TestServer, token: string): Promise<RawSocket> {
  const raw = new RawSocket(server.wsUrl);
  await raw.opened;
  raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  await raw.message((message) => message.type === 'connection_ack', 'connection_ack');
  return raw;
}
