import { QueryFailedError } from 'typeorm';
import { createLogger } from '../../src/logger';
import { withRequestId } from '../../src/security/request-id';
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

  it('stamp every line written while serving a request with its id', async () => {
    const logs = new LogCapture();
    const logger = createLogger({ logLevel: 'info' }, logs);
    await withRequestId('req-1', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.info('inside');
    });
    logger.info('outside');
    expect(logs.lines.map((line) => [line.msg, line.requestId])).toEqual([
      ['inside', 'req-1'],
      ['outside', undefined],
    ]);
  });
});
