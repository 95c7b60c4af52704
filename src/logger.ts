import pino from 'pino';
import type { Config } from './config';

export type Logger = pino.Logger;

/**
 * Errors are logged by a short list of fields: database errors carry their
 * statement's parameters (passwords hashes, tokens, message bodies) and the
 * driver's error object, which must never reach the logs.
 */
function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, errorId } = error as { code?: unknown; errorId?: unknown };
  return {
    type: error.constructor?.name ?? 'Error',
    message: error.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof errorId === 'string' ? { errorId } : {}),
    stack: error.stack,
    ...(error.cause instanceof Error ? { cause: safeError(error.cause) } : {}),
  };
}

/**
 * Structured JSON logs. The lines about a request (its access line, its
 * masked errors) carry its `requestId`; secrets and message bodies are
 * redacted wherever they appear.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: undefined,
      serializers: { err: safeError, error: safeError },
      redact: {
        paths: [
          'password',
          'token',
          'authorization',
          'body',
          'variables',
          'parameters',
          '*.password',
          '*.token',
          '*.authorization',
          '*.body',
          '*.variables',
          '*.parameters',
          '*.*.password',
          '*.*.token',
          'req.headers.authorization',
          'req.headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
