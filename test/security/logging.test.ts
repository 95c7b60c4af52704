import { QueryFailedError } from 'typeorm';
import WebSocket from 'ws';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { GraphQLError } from 'graphql';
import { formatError } from '../../src/errors';
import { tagRequest } from '../../src/security/request-id';
import { startServer } from '../support/server';
import { LogCapture } from './helpers';

describe('logs', () => {
  it('never write the parameters of a failed SQL statement', () => {
    const logs = new LogCapture();
    const logger = createLogger({ logLevel: 'info' }, logs);
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint "actors_email"'), {
      code: '23505',
      detail: 'Key (email)=(leaked@example.test) already exists.',
      parameters: ['$scrypt$leaked-hash', 'leaked@example.test'],
    });
    logger.error({ err: new QueryFailedError('INSERT INTO actors VALUES ($1, $2)', ['$scrypt$leaked-hash', 'sd_leakedtoken'], driverError) }, 'failed');
    const [line] = logs.lines;
    expect(line).toMatchObject({ msg: 'failed', err: { type: 'QueryFailedError', message: driverError.message, code: '23505' } });
    expect(logs.raw.join('')).not.toMatch(/leaked/);
  });

  it('redact passwords, tokens, bodies and variables wherever they sit', () => {
    const logs = new LogCapture();
    const logger = createLogger({ logLevel: 'info' }, logs);
    logger.info(
      {
        password: 'leaked-1',
        input: { password: 'leaked-2', token: 'leaked-3' },
        request: { body: 'leaked-4', variables: { input: { password: 'leaked-5' } } },
        deep: { input: { password: 'leaked-6' } },
        authorization: 'Bearer leaked-7',
      },
      'details',
    );
    expect(logs.raw.join('')).not.toMatch(/leaked/);
    expect(logs.lines[0]).toMatchObject({ password: '[redacted]', input: { password: '[redacted]', token: '[redacted]' } });
  });

  it('give a masked error the id of the request it happened in, in the answer and in the log line', () => {
    const logs = new LogCapture();
    const logger = createLogger({ logLevel: 'info' }, logs);
    const error = new GraphQLError('relation "actors" does not exist', { originalError: new Error('relation "actors" does not exist') });
    tagRequest(error, 'req-1');
    const formatted = formatError(logger, { message: error.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error);
    expect(formatted.message).not.toContain('actors');
    expect(formatted.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String), requestId: 'req-1' });
    expect(logs.lines).toEqual([expect.objectContaining({ msg: 'unexpected error', requestId: 'req-1', errorId: formatted.extensions!.errorId })]);
  });
});

describe('refused origins', () => {
  it('are logged as warnings naming the origin: a websocket handshake and a CORS request', async () => {
    const logs = new LogCapture();
    const server = await startServer();
    const config = loadConfig({ ...server.env, PORT: '0', LOG_LEVEL: 'info', ALLOWED_ORIGINS: 'https://app.example.test' });
    const app = createApp(config, { logger: createLogger(config, logs) });
    try {
      const port = await app.start(0);
      const handshake = await new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws', { headers: { origin: 'https://evil.test' } });
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('open', () => reject(new Error('the handshake was accepted')));
        socket.once('error', () => undefined);
      });
      expect(handshake).toBe(403);
      const preflight = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'OPTIONS',
        headers: { origin: 'https://other.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      const allowed = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.test', 'access-control-request-method': 'POST' },
      });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.test');

      const warnings = logs.lines.filter((line) => line.level === 40);
      expect(warnings).toEqual([
        expect.objectContaining({ msg: 'websocket handshake refused: origin not in ALLOWED_ORIGINS', origin: 'https://evil.test' }),
        expect.objectContaining({ msg: 'CORS request refused: origin not in ALLOWED_ORIGINS', origin: 'https://other.test' }),
      ]);
    } finally {
      await app.stop();
      await server.stop();
    }
  });
});
