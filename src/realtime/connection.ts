import type { Context } from '../context';
import type { ConnectionHandle } from './conversation-feed';

const handles = new WeakMap<Context, ConnectionHandle>();

/** Marks a context as belonging to a websocket operation, so its subscription can close the socket. */
export function bindConnection(context: Context, handle: ConnectionHandle): void {
  handles.set(context, handle);
}

/** The websocket of an operation's context; undefined over HTTP. */
export function connectionOf(context: Context): ConnectionHandle | undefined {
  return handles.get(context);
}
