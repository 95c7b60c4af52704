import { QueryFailedError } from 'typeorm';
import { createLogger } from '../../src/logger';
import { GraphQLError } from 'graphql';
import { formatError } from '../../src/errors';
import { tagRequest } from '../../src/security/request-id';
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
