import { randomUUID } from 'node:crypto';

/** A client-supplied id is kept only when it is short and plain, so it cannot forge log lines. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** The request id of an `x-request-id` header, or a new one. */
export function requestIdFrom(header: unknown): string {
  const candidate = Array.isArray(header) ? header[0] : header;
  return typeof candidate === 'string' && ACCEPTABLE_ID.test(candidate) ? candidate : randomUUID();
}

/**
 * Which request an error happened in. Errors are tagged where the request is
 * known (Apollo's didEncounterErrors, a websocket operation's context), and
 * formatError reads the tag: the request id travels with the error rather
 * than in AsyncLocalStorage, whose promise hooks cost every request on Node 20.
 */
const requestOfError = new WeakMap<object, string>();

export function tagRequest(error: unknown, requestId: string): void {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 3; depth += 1) {
    requestOfError.set(current, requestId);
    current = (current as { originalError?: unknown }).originalError;
  }
}

export function requestIdOf(error: unknown): string | undefined {
  return error && typeof error === 'object' ? requestOfError.get(error) : undefined;
}
