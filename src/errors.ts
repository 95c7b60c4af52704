import { randomUUID } from 'node:crypto';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger';
import { requestIdOf } from './security/request-id';

/** Every code a client can see in `errors[*].extensions.code` (SPEC §5). */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  GUEST_LIMIT_REACHED = 'GUEST_LIMIT_REACHED',
  GUEST_CONVERSATION_LIMIT_REACHED = 'GUEST_CONVERSATION_LIMIT_REACHED',
  GUEST_NOT_ALLOWED = 'GUEST_NOT_ALLOWED',
  MENTION_NOT_ALLOWED = 'MENTION_NOT_ALLOWED',
  INVITATION_INVALID = 'INVITATION_INVALID',
  RATE_LIMITED = 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/**
 * A failure the domain expects and the client can act on. Services throw these;
 * `formatError` turns them into GraphQL errors at one boundary.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const unauthenticated = (message = 'You must be logged in: send a valid "Authorization: Bearer <token>" header.') =>
  new DomainError(ErrorCode.UNAUTHENTICATED, message);

export const forbidden = (message = 'You are not allowed to do this.') => new DomainError(ErrorCode.FORBIDDEN, message);

/** One message for every missing or invisible object, so the two cannot be told apart. */
export const notFound = () => new DomainError(ErrorCode.NOT_FOUND, 'Not found: nothing with this ID exists.');

export const badInput = (message: string, field?: string) =>
  new DomainError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});

/** Apollo's own codes for requests that never reached a resolver are all the caller's input. */
const INPUT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

function findDomainError(error: unknown): DomainError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    if (current instanceof DomainError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // PostgreSQL: connection exceptions (class 08), and shutting down / starting up.
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
]);
const UNREACHABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|the database system is (starting up|shutting down)/i;

/** Whether an error means the database could not be reached (as opposed to a bug or bad data). */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (typeof message === 'string' && UNREACHABLE_MESSAGES.test(message)) return true;
    const next = current as { originalError?: unknown; driverError?: unknown; cause?: unknown };
    current = next.originalError ?? next.driverError ?? next.cause;
  }
  return false;
}

export const DATABASE_UNAVAILABLE_MESSAGE = 'Sidedoor cannot reach its database right now. Try again in a moment.';

/**
 * The one boundary where errors become what clients see: domain errors keep
 * their code; request errors become BAD_USER_INPUT; anything else is masked,
 * logged with an id, and the id is given to the client with the request id.
 */
export function formatError(logger: Logger, formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const domain = findDomainError(error);
  if (domain) {
    return {
      message: domain.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { ...domain.extensions, code: domain.code },
    };
  }
  const code = String(formatted.extensions?.code ?? '');
  if (INPUT_CODES.has(code)) {
    return { ...formatted, extensions: { code: ErrorCode.BAD_USER_INPUT, reason: code } };
  }
  if (KNOWN_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  const errorId = randomUUID();
  const taggedId = requestIdOf(error) ?? formatted.extensions?.requestId;
  const requestId = typeof taggedId === 'string' ? taggedId : undefined;
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  if (isDatabaseUnavailable(error)) {
    logger.warn({ errorId, requestId, err: original, path: formatted.path }, 'database unavailable');
    return {
      message: DATABASE_UNAVAILABLE_MESSAGE,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId, ...(requestId ? { requestId } : {}) },
    };
  }
  logger.error({ errorId, requestId, err: original, path: formatted.path }, 'unexpected error');
  return {
    message: `Something went wrong on our side. Quote error id ${errorId} if you contact support.`,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId, ...(requestId ? { requestId } : {}) },
  };
}
