import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Viewer } from '../auth/viewer';
import { contextAs, createContext, type Context } from '../context';
import type { Delivery } from './delivery';
import { DeliveryQueue, type DeliveryListener } from './delivery-queue';
import { executedSelection, rebindResult, type ExecutedSelection } from './executed-selection';

/**
 * What an event's result can depend on, besides the selection: a member's
 * result varies only with their role and the organization's guest settings
 * (members-only fields, `viewerCan*`); a guest's also with who they are
 * (their own email, their own conversations), so guests never share; and a
 * selection with a session-bound field that cannot be rebound is the
 * session's own. (Rebindable ones, such as download links, are shared and
 * then rebound per subscriber: see rebindResult.)
 */
function audience(viewer: Viewer, selection: ExecutedSelection): string {
  const who = viewer.kind === 'MEMBER' ? `member:${viewer.role}:${viewer.guestsEnabled}:${viewer.whoCanInvite}` : `guest:${viewer.actorId}`;
  return selection.sessionOnly ? `${who}:session:${viewer.sessionId}` : who;
}

/** Distinct executed selections kept for sharing between subscriptions (a few per kind of client and conversation). @default 2000 */
const SHARED_SELECTIONS = 2000;

/** One shared execution, and the session it ran as (whose session-bound values it holds). */
interface SharedResult {
  readonly result: ExecutionResult;
  readonly sessionId: string;
}

/**
 * The context one delivery runs in: the subscriber's current viewer, with
 * fresh loaders primed with what the feed already read, so field rules apply
 * per subscriber and a typical selection costs no query.
 */
function eventContext(operation: Context, delivery: LiveEvent): Context {
  const context = contextAs(operation, delivery.viewer);
  const { comment, conversation } = delivery.kind === 'comment' ? delivery : delivery.notification;
  if (conversation) context.loaders.conversation.prime(conversation.id, conversation);
  const actors = delivery.kind === 'notification' && delivery.notification.actor ? [delivery.notification.actor] : [];
  if (comment) actors.push(...(comment.author ? [comment.author] : []), ...(comment.mentions ?? []));
  for (const actor of actors) context.loaders.actor.prime(actor.id, actor);
  return context;
}

/** A delivery that carries an event (not the end of a subscription). */
type LiveEvent = Exclude<Delivery, { kind: 'denied' }>;

/** The object every subscriber of an event receives, the same for all: what shared results are kept by. */
const eventOf = (delivery: LiveEvent): object => (delivery.kind === 'comment' ? delivery.comment : delivery.notification);

/** Where a pushed subscription's results go, in order (the websocket protocol's side of it). */
export interface ResultSink {
  next(result: ExecutionResult): Promise<void>;
  /** The stream is over (it ended, or access was lost after its FORBIDDEN result). */
  end(): Promise<void>;
  /** It cannot go on: the reason is sent as an `error` message. Never rejects. */
  fail(error: unknown): Promise<void>;
}

/** A subscription that is pushed to (rather than pulled from): see LiveResults. */
export interface PushedResults {
  /** Starts handing results to `sink`, in order, then `end` once the stream is over (not after `stop`). */
  listen(sink: ResultSink): void;
  /** The client completed or left: stop at once, without `end`. */
  stop(): void;
}

/**
 * One subscription's results, pushed: each delivery its feed hands over is
 * mapped to its (shared) result and passed on in order. Nothing is pending
 * while the subscription is idle: it is its record in the feed, this object
 * and its delivery queue (no closures: thousands of idle ones each hold one).
 */
class LiveResults implements PushedResults, DeliveryListener<Delivery> {
  private sink: ResultSink | null = null;
  /** The last step handed on, while one is under way; null when idle. */
  private tail: Promise<void> | null = null;

  constructor(
    private readonly deliveries: DeliveryQueue<Delivery>,
    private readonly execution: SharedSubscriptionExecution,
    private readonly args: ExecutionArgs,
    private readonly selection: ExecutedSelection,
  ) {}

  listen(sink: ResultSink): void {
    this.sink = sink;
    this.deliveries.listen(this);
  }

  stop(): void {
    void this.deliveries.return();
  }

  deliver(delivery: Delivery): void {
    this.inOrder(async (sink) => sink.next(await this.execution.resultFor(this.args, this.selection, delivery)));
  }

  end(): void {
    this.inOrder((sink) => sink.end());
  }

  /** Each step after the one before: a result may take a moment to execute, and the next must not overtake it. */
  private inOrder(step: (sink: ResultSink) => Promise<void>): void {
    const sink = this.sink!;
    const tail = (this.tail ?? Promise.resolve()).then(() => step(sink)).catch((error: unknown) => sink.fail(error));
    this.tail = tail;
    void tail.then(() => {
      if (this.tail === tail) this.tail = null;
    });
  }
}

/**
 * Runs subscription operations for the websocket protocol
 * (websocket-protocol.ts). Each delivery executes in a context of its own
 * (see eventContext), never in the operation's.
 *
 * graphql-js executes a subscription's selection once per subscriber per
 * event. Subscribers of one conversation on one instance receive the very same
 * comment object from their feed, so subscribers who execute the same
 * selection (whatever the operation's name, its fragments or how its
 * variables were passed: see executedSelection) for the same audience share
 * one execution of it: a thousand members cost one execution per event, not
 * a thousand, and renaming an operation buys no execution of one's own.
 * Results are never mutated afterwards (error formatting copies), so sharing
 * them is safe.
 */
export class SharedSubscriptionExecution {
  /**
   * One copy of each distinct executed selection, shared by every open
   * subscription that runs it: its key is built from many small pieces, and a
   * thousand idle subscribers of one conversation then hold one key, not a
   * thousand. Bounded: past the limit the oldest is forgotten (subscriptions that hold it keep their copy).
   */
  private readonly selections = new Map<string, ExecutedSelection>();

  /** Per event (dropped with it), the result per executed selection and audience. */
  private readonly results = new WeakMap<object, Map<string, Promise<SharedResult>>>();

  /** The `subscribe` the websocket protocol runs for subscription operations: the subscription's results, pushed, or why it did not start. */
  readonly subscribe = async (args: ExecutionArgs): Promise<PushedResults | ExecutionResult> => {
    const operation = args.contextValue as Context;
    // The stream is opened in a copy of the operation's context: the operation's own, which the protocol keeps while the
    // subscription is open, then never loads anything (each event runs in a context of its own), so an idle
    // subscription holds no loaders and nothing they cached.
    const stream = await createSourceEventStream({ ...args, contextValue: createContext(operation.services, operation.viewer, operation) });
    if (!(Symbol.asyncIterator in stream)) return stream as ExecutionResult;
    // Every subscription field's resolver returns its feed's DeliveryQueue (see RealtimeService).
    if (!(stream instanceof DeliveryQueue)) throw new Error('a subscription resolver returned something other than a DeliveryQueue');
    const selection = this.shared(executedSelection(args));
    return new LiveResults(stream as DeliveryQueue<Delivery>, this, args, selection);
  };

  private shared(selection: ExecutedSelection): ExecutedSelection {
    if (selection.key === null) return selection;
    const known = this.selections.get(selection.key);
    if (known) return known;
    if (this.selections.size >= SHARED_SELECTIONS) this.selections.delete(this.selections.keys().next().value!);
    this.selections.set(selection.key, selection);
    return selection;
  }

  /** One delivery's result for one subscriber: shared with every subscriber of the same selection and audience. */
  async resultFor(args: ExecutionArgs, selection: ExecutedSelection, delivery: Delivery): Promise<ExecutionResult> {
    // A denied delivery runs in the operation's own context: its resolver only throws.
    if (delivery.kind === 'denied') return execute({ ...args, rootValue: delivery });
    let bySelection = this.results.get(eventOf(delivery));
    if (!bySelection) {
      bySelection = new Map();
      this.results.set(eventOf(delivery), bySelection);
    }
    const { viewer } = delivery;
    // A selection that cannot be resolved (validation refused it already) is shared with nothing.
    const key = selection.key === null ? null : `${selection.key}|${audience(viewer, selection)}`;
    let shared = key === null ? undefined : bySelection.get(key);
    if (!shared) {
      const contextValue = eventContext(args.contextValue as Context, delivery);
      shared = Promise.resolve(execute({ ...args, rootValue: delivery, contextValue })).then((result) => ({ result, sessionId: viewer.sessionId }));
      if (key !== null) bySelection.set(key, shared);
    }
    const { result, sessionId } = await shared;
    if (selection.sessionBound.length === 0 || sessionId === viewer.sessionId) return result;
    return rebindResult(result, selection.sessionBound, { viewer, services: (args.contextValue as Context).services });
  }
}
