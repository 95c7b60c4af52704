import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Viewer } from '../auth/viewer';
import { contextAs, type Context } from '../context';
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

/** Like graphql-js's own mapping of a source stream, with `return` passed straight through so an idle subscription ends at once. */
function mapAsyncIterator<T, U>(iterable: AsyncIterable<T>, map: (value: T) => Promise<U>): AsyncIterableIterator<U> {
  const iterator = iterable[Symbol.asyncIterator]();
  const mapped = async (result: IteratorResult<T>): Promise<IteratorResult<U>> =>
    result.done ? { done: true, value: undefined } : { done: false, value: await map(result.value) };
  return {
    next: () => iterator.next().then(mapped),
    return: async () => (iterator.return ? mapped(await iterator.return()) : { done: true, value: undefined }),
    throw: async (error) => (iterator.throw ? mapped(await iterator.throw(error)) : Promise.reject(error)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
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
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream as ExecutionResult;
    const selection = executedSelection(args);
    return mapAsyncIterator(stream as AsyncIterable<Delivery>, (delivery) => this.resultFor(args, selection, delivery));
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
    const key = `${selection.key}|${audience(viewer, selection)}`;
    let shared = bySelection.get(key);
    if (!shared) {
      const contextValue = eventContext(args.contextValue as Context, delivery);
      shared = Promise.resolve(execute({ ...args, rootValue: delivery, contextValue })).then((result) => ({ result, sessionId: viewer.sessionId }));
      bySelection.set(key, shared);
    }
    const { result, sessionId } = await shared;
    if (selection.sessionBound.length === 0 || sessionId === viewer.sessionId) return result;
    return rebindResult(result, selection.sessionBound, { viewer, services: (args.contextValue as Context).services });
  }
}
