import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('uses the documented defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      databaseUrl: null,
      redisUrl: null,
      publicUrl: 'http://localhost:4000',
      maxUploadBytes: 25 * 1024 * 1024,
      guestsPerMember: 5,
      conversationsPerGuest: 5,
      allowedOrigins: [],
      introspection: 'public',
      logLevel: 'info',
      graphiql: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('sizes the database pool for the machine (2 x cores, at least 4) unless DATABASE_POOL_SIZE says otherwise', () => {
    expect(loadConfig({}).databasePoolSize).toBe(Math.max(4, 2 * availableParallelism()));
    expect(loadConfig({ DATABASE_POOL_SIZE: '12' }).databasePoolSize).toBe(12);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', 'many'],
    ['REDIS_URL', 'not a url'],
    ['PUBLIC_URL', 'ftp://example.test'],
    ['MAX_UPLOAD_BYTES', '-1'],
    ['GUESTS_PER_MEMBER', 'five'],
    ['CONVERSATIONS_PER_GUEST', '2.5'],
    ['ALLOWED_ORIGINS', 'https://app.example.test/path'],
    ['INTROSPECTION', 'sometimes'],
    ['LOG_LEVEL', 'loud'],
    ['SESSION_SECRET', 'too-short'],
    ['GRAPHIQL', 'maybe'],
    ['SMTP_URL', 'http://mail.example.test'],
    ['SMTP_URL', 'mail.example.test:587'],
    ['MAIL_FROM', 'not an address'],
    ['MAIL_FROM', 'Sidedoor <a@b.test>\r\nBcc: victim@example.test'],
    ['EMAIL_DELAY_SECONDS', '-5'],
    ['JOB_CONCURRENCY', '0'],
    ['JOB_POLL_INTERVAL_MS', '100'],
    ['JOB_STALE_SECONDS', '86400'],
    ['JOB_RETRY_DELAY_SECONDS', 'soon'],
    ['JOB_RETRY_LIMIT', '1000'],
  ])('refuses %s=%s, naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('requires SESSION_SECRET in production and closes introspection to non-members there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET is required/);
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), SMTP_URL: 'smtp://mail.example.test:587' };
    expect(loadConfig(production).introspection).toBe('members');
    expect(loadConfig({ ...production, INTROSPECTION: 'public' }).introspection).toBe('public');
  });

  it('requires SMTP_URL in production, naming it, and never repeats an SMTP_URL that may hold a password', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) })).toThrow(/^Invalid configuration: SMTP_URL is required when NODE_ENV=production/);
    expect(() => loadConfig({ SMTP_URL: 'smtp://user:hunter2@[bad' })).toThrow(/^Invalid configuration: SMTP_URL must be a URL$/);
  });

  it('sends email by SMTP when SMTP_URL is set, else to an outbox folder beside the embedded database', () => {
    expect(loadConfig({}).mail).toEqual({
      smtpUrl: null,
      from: { name: 'Sidedoor', address: 'no-reply@localhost' },
      outboxDir: '.data/outbox',
      notificationDelaySeconds: 120,
    });
    expect(loadConfig({ DATA_DIR: '/var/lib/sidedoor/pglite' }).mail.outboxDir).toBe('/var/lib/sidedoor/outbox');
    const configured = loadConfig({
      SMTP_URL: 'smtps://user:pass@mail.example.test',
      MAIL_FROM: 'Acme Inbox <inbox@acme.test>',
      PUBLIC_URL: 'https://app.acme.test',
      OUTBOX_DIR: '/tmp/mail',
      EMAIL_DELAY_SECONDS: '0',
    });
    expect(configured.mail).toEqual({
      smtpUrl: 'smtps://user:pass@mail.example.test',
      from: { name: 'Acme Inbox', address: 'inbox@acme.test' },
      outboxDir: '/tmp/mail',
      notificationDelaySeconds: 0,
    });
    expect(loadConfig({ PUBLIC_URL: 'https://app.acme.test' }).mail.from).toEqual({ name: 'Sidedoor', address: 'no-reply@app.acme.test' });
    expect(loadConfig({ MAIL_FROM: '"Acme, Inc." <inbox@acme.test>' }).mail.from).toEqual({ name: 'Acme, Inc.', address: 'inbox@acme.test' });
    expect(loadConfig({ MAIL_FROM: 'inbox@acme.test' }).mail.from).toEqual({ name: '', address: 'inbox@acme.test' });
  });

  it('runs jobs with defaults that retry for over a day, the first retry within 30 seconds', () => {
    const { jobs } = loadConfig({});
    expect(jobs).toEqual({ concurrency: 10, pollIntervalMs: 1000, staleSeconds: 300, retryDelaySeconds: 15, retryLimit: 13 });
    // pg-boss waits retryDelay × 2^(n-1) × (1 + random) before retry n: at least this much in all.
    const shortestRetryingSeconds = jobs.retryDelaySeconds * (2 ** jobs.retryLimit - 1);
    expect(2 * jobs.retryDelaySeconds).toBeLessThanOrEqual(30);
    expect(shortestRetryingSeconds).toBeGreaterThanOrEqual(24 * 3600);
  });

  it('serves GraphiQL outside production unless GRAPHIQL=off, and in production only with GRAPHIQL=on', () => {
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), SMTP_URL: 'smtp://mail.example.test:587' };
    expect(loadConfig({ GRAPHIQL: 'off' }).graphiql).toBe(false);
    expect(loadConfig({ GRAPHIQL: 'ON' }).graphiql).toBe(true);
    expect(loadConfig(production).graphiql).toBe(false);
    expect(loadConfig({ ...production, GRAPHIQL: 'on' }).graphiql).toBe(true);
  });

  it('stops the process with a message naming the bad variable', () => {
    const result = spawnSync(process.execPath, [join(__dirname, 'support', 'run-main.js')], {
      env: { PATH: process.env.PATH, PORT: 'not-a-port' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration: PORT must be a whole number');
  });

  it('refuses to start in production without SMTP_URL, naming it', () => {
    const result = spawnSync(process.execPath, [join(__dirname, 'support', 'run-main.js')], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), PORT: '0' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration: SMTP_URL is required when NODE_ENV=production');
  });
});
