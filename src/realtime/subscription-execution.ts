import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Viewer } from '../auth/viewer';
import { contextAs, createContext, type Context } from '../context';
import type { Delivery } from './delivery';
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

/**
 * One subscription's results as graphql-ws pulls them: each delivery of the
 * feed, mapped to its (shared) result. A small object rather than closures,
 * since an idle subscription keeps it as long as it is open; `return` goes
 * straight through, so an idle subscription ends at once.
 */
class ResultStream implements AsyncIterableIterator<ExecutionResult> {
  constructor(
    private readonly deliveries: AsyncIterator<Delivery>,
    private readonly resultOf: (delivery: Delivery) => Promise<ExecutionResult>,
  ) {}

  async next(): Promise<IteratorResult<ExecutionResult>> {
    const delivery = await this.deliveries.next();
    return delivery.done ? { done: true, value: undefined } : { done: false, value: await this.resultOf(delivery.value) };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.deliveries.return?.();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Runs subscription operations for graphql-ws. Each delivery executes in a
 * context of its own (see eventContext), never in the operation's.
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
  /** Per event (dropped with it), the result per executed selection and audience. */
  private readonly results = new WeakMap<object, Map<string, Promise<SharedResult>>>();

  /** The `subscribe` that graphql-ws runs for subscription operations. */
  readonly subscribe = async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const operation = args.contextValue as Context;
    // The stream is opened in a copy of the operation's context: the operation's own, which graphql-ws keeps while the
    // subscription is open, then never loads anything (each event runs in a context of its own), so an idle
    // subscription holds no loaders and nothing they cached.
    const stream = await createSourceEventStream({ ...args, contextValue: createContext(operation.services, operation.viewer, operation) });
    if (!(Symbol.asyncIterator in stream)) return stream as ExecutionResult;
    const selection = executedSelection(args);
    return new ResultStream((stream as AsyncIterable<Delivery>)[Symbol.asyncIterator](), (delivery) => this.resultFor(args, selection, delivery));
  };

  private async resultFor(args: ExecutionArgs, selection: ExecutedSelection, delivery: Delivery): Promise<ExecutionResult> {
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
