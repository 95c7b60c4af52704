import { getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType, parseMessage, stringifyMessage, type Message, type SubscribePayload } from 'graphql-ws';
import type { PushedResults, ResultSink } from './subscription-execution';

/** What the protocol runs an operation with: `execute` for queries and mutations, `subscribe` for subscriptions. */
export interface Executor {
  execute(args: ExecutionArgs): Promise<ExecutionResult> | ExecutionResult;
  subscribe(args: ExecutionArgs): Promise<PushedResults | ExecutionResult>;
}

/** What the hooks see of a connection: graphql-ws's own `Context`, less what they do not use. */
export interface ConnectionState<E> {
  /** The `connection_init` payload, while onConnect runs only: nothing after needs it, and an idle connection should not keep it. */
  readonly connectionParams?: Readonly<Record<string, unknown>>;
  /** The operations open (or being set up) on the connection, by id. */
  readonly subscriptions: ReadonlyMap<string, unknown>;
  readonly extra: E;
}

/** Per connection and per operation, as graphql-ws's hooks of the same names. */
export interface ProtocolHooks<E> {
  /** false: close 4403. */
  onConnect(ctx: ConnectionState<E>): Promise<boolean>;
  /** The arguments to run the operation with, or why not (sent as an `error` message). */
  onSubscribe(ctx: ConnectionState<E>, id: string, payload: SubscribePayload): Promise<ExecutionArgs | readonly GraphQLError[]>;
  /** Each result as sent. */
  onNext(ctx: ConnectionState<E>, id: string, args: ExecutionArgs, result: ExecutionResult): ExecutionResult | { errors?: readonly GraphQLFormattedError[] };
  /** Errors as sent. */
  onError(ctx: ConnectionState<E>, id: string, errors: readonly GraphQLError[]): readonly GraphQLFormattedError[];
  /** An operation ended, however. */
  onComplete(ctx: ConnectionState<E>, id: string): void;
  onClose(ctx: ConnectionState<E>): void;
}

/** The socket as the protocol sees it. */
export interface ProtocolSocket {
  readonly protocol: string;
  send(data: string): Promise<void>;
  close(code: number, reason: string): void;
  /** Handling a message failed, or a pushed subscription could not go on and could not even say so (its socket broke). */
  failed(error: unknown): void;
}

/** The same for every connection of a server. */
export type ProtocolOptions<E> = ProtocolHooks<E> & { executor: Executor; connectionInitWaitTimeout: number; frames: NextFrames };

/**
 * `next` messages as sent. A subscription event's result is shared by every
 * subscriber of the same selection and audience (SharedSubscriptionExecution),
 * so its JSON is made once, kept while the result lives, and only the
 * envelope is written per subscriber: at 5,000 subscribers per instance that
 * is 5,000 JSON.stringify calls of the whole result saved per event. The text
 * is what graphql-ws's stringifyMessage makes of the same message.
 */
export class NextFrames {
  private readonly payloads = new WeakMap<object, string>();

  frame(id: string, payload: object): string {
    let json = this.payloads.get(payload);
    if (json === undefined) {
      json = JSON.stringify(payload);
      this.payloads.set(payload, json);
    }
    return `{"id":${JSON.stringify(id)},"type":"${MessageType.Next}","payload":${json}}`;
  }
}

/** A connection's state; an open subscription is its PushedOperation, an operation being set up null. */
interface State<E> extends ConnectionState<E> {
  connectionInitReceived: boolean;
  acknowledged: boolean;
  connectionParams?: Readonly<Record<string, unknown>>;
  subscriptions: Map<string, PushedOperation<E> | null>;
}

/**
 * The server side of graphql-ws's `graphql-transport-ws` protocol, message for
 * message as graphql-ws's own `makeServer` (with hooks of the same names, and
 * its message parsing and close codes), with one difference that matters at
 * scale: a subscription is pushed to, not pulled from. graphql-ws keeps an
 * async loop per open subscription (a suspended `for await` over an
 * async-iterator chain, with its closures, the subscribe message and the
 * query text); here an idle subscription is its record in its feed, one
 * PushedOperation in its connection's `subscriptions`, and nothing runs until
 * the feed hands it an event. Classes rather than closures: thousands of idle
 * connections each hold one of these.
 */
export class ProtocolConnection<E> {
  private readonly state: State<E>;
  private initWait: NodeJS.Timeout | null = null;
  private readonly refused: boolean;

  constructor(
    private readonly socket: ProtocolSocket,
    extra: E,
    private readonly options: ProtocolOptions<E>,
  ) {
    this.state = { connectionInitReceived: false, acknowledged: false, connectionParams: undefined, subscriptions: new Map(), extra };
    this.refused = socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL;
    if (this.refused) {
      socket.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
      return;
    }
    this.initWait = setTimeout(() => {
      this.initWait = null;
      if (!this.state.connectionInitReceived) socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
    }, options.connectionInitWaitTimeout);
  }

  /** One message from the client. Rejects (the caller closes with 1011) only on a failure of ours. */
  async message(data: string): Promise<void> {
    if (this.refused) return;
    let message: Message;
    try {
      message = parseMessage(data);
    } catch {
      return this.socket.close(CloseCode.BadRequest, 'Invalid message received');
    }
    const { state } = this;
    switch (message.type) {
      case MessageType.ConnectionInit: {
        if (state.connectionInitReceived) return this.socket.close(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
        state.connectionInitReceived = true;
        this.stopInitWait();
        if (message.payload && typeof message.payload === 'object') state.connectionParams = message.payload;
        const permitted = await this.options.onConnect(state);
        state.connectionParams = undefined;
        if (!permitted) return this.socket.close(CloseCode.Forbidden, 'Forbidden');
        state.acknowledged = true;
        return this.send({ type: MessageType.ConnectionAck });
      }
      case MessageType.Ping:
        return this.send(message.payload ? { type: MessageType.Pong, payload: message.payload } : { type: MessageType.Pong });
      case MessageType.Pong:
        return;
      case MessageType.Subscribe:
        if (!state.acknowledged) return this.socket.close(CloseCode.Unauthorized, 'Unauthorized');
        if (state.subscriptions.has(message.id)) return this.socket.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${message.id} already exists`);
        return this.subscribe(message.id, message.payload);
      case MessageType.Complete: {
        // The client is done with it: what it held is given back as when it ends.
        const operation = state.subscriptions.get(message.id);
        state.subscriptions.delete(message.id);
        if (operation) {
          operation.results.stop();
          this.options.onComplete(state, message.id);
        }
        return;
      }
      default:
        throw new Error(`Unexpected message of type ${message.type} received`);
    }
  }

  /** The socket closed: every subscription stops, then onClose gives back what the connection held. */
  closed(): void {
    this.stopInitWait();
    const { subscriptions } = this.state;
    this.state.subscriptions = new Map();
    for (const operation of subscriptions.values()) operation?.results.stop();
    this.options.onClose(this.state);
  }

  /** Whether `id` is still the operation given (null: the one being set up). */
  isOpen(id: string, operation: PushedOperation<E> | null): boolean {
    return this.state.subscriptions.has(id) && this.state.subscriptions.get(id) === operation;
  }

  async next(id: string, args: ExecutionArgs, result: ExecutionResult): Promise<void> {
    await this.socket.send(this.options.frames.frame(id, this.options.onNext(this.state, id, args, result)));
  }

  async error(id: string, errors: readonly GraphQLError[]): Promise<void> {
    await this.send({ id, type: MessageType.Error, payload: this.options.onError(this.state, id, errors) } as Message);
  }

  /** An operation ended (the `complete` message only when the client did not end it itself). */
  async complete(id: string, notifyClient: boolean): Promise<void> {
    this.options.onComplete(this.state, id);
    if (notifyClient) await this.send({ id, type: MessageType.Complete });
  }

  /** A pushed subscription ended on the server's side (its stream ended, or it failed): it leaves `subscriptions`. */
  ended(operation: PushedOperation<E>): boolean {
    if (!this.isOpen(operation.id, operation)) return false;
    this.state.subscriptions.delete(operation.id);
    return true;
  }

  failed(error: unknown): void {
    this.socket.failed(error);
  }

  private async subscribe(id: string, payload: SubscribePayload): Promise<void> {
    const { state } = this;
    state.subscriptions.set(id, null);
    try {
      const argsOrErrors = await this.options.onSubscribe(state, id, payload);
      if (Array.isArray(argsOrErrors)) {
        if (this.isOpen(id, null)) await this.error(id, argsOrErrors);
        return;
      }
      const args = argsOrErrors as ExecutionArgs;
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) {
        if (this.isOpen(id, null)) await this.error(id, [new GraphQLError('Unable to identify operation')]);
        return;
      }
      const { executor } = this.options;
      const result = operation.operation === 'subscription' ? await executor.subscribe(args) : await executor.execute(args);
      if (!('listen' in result)) {
        if (this.isOpen(id, null)) await this.next(id, args, result);
        await this.complete(id, this.isOpen(id, null));
        return;
      }
      // The client completed (or left) while the subscription was being set up.
      if (!this.isOpen(id, null)) {
        result.stop();
        await this.complete(id, false);
        return;
      }
      const pushed = new PushedOperation(this, id, args, result);
      state.subscriptions.set(id, pushed);
      result.listen(pushed);
    } finally {
      if (this.isOpen(id, null)) state.subscriptions.delete(id);
    }
  }

  private send(message: Message): Promise<void> {
    return this.socket.send(stringifyMessage(message));
  }

  private stopInitWait(): void {
    if (this.initWait) clearTimeout(this.initWait);
    this.initWait = null;
  }
}

/** One open subscription of a connection: where its results go. */
class PushedOperation<E> implements ResultSink {
  constructor(
    private readonly connection: ProtocolConnection<E>,
    readonly id: string,
    private readonly args: ExecutionArgs,
    readonly results: PushedResults,
  ) {}

  async next(result: ExecutionResult): Promise<void> {
    if (this.connection.isOpen(this.id, this)) await this.connection.next(this.id, this.args, result);
  }

  async end(): Promise<void> {
    if (this.connection.ended(this)) await this.connection.complete(this.id, true);
  }

  /** Like graphql-ws when a subscription's stream throws: an `error` message, and the operation is over. */
  async fail(error: unknown): Promise<void> {
    if (!this.connection.ended(this)) return;
    this.results.stop();
    try {
      const original = error instanceof Error ? error : new Error(String(error));
      await this.connection.error(this.id, [new GraphQLError(original.message, { originalError: original })]);
    } catch (failure) {
      this.connection.failed(failure);
    } finally {
      this.connection.complete(this.id, false).catch((failure: unknown) => this.connection.failed(failure));
    }
  }
}
