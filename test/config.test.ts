import { spawnSync } from 'node:child_process';
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

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/db'],
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
  ])('refuses %s=%s, naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('requires SESSION_SECRET in production and closes introspection to non-members there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET is required/);
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) });
    expect(config.introspection).toBe('members');
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), INTROSPECTION: 'public' }).introspection).toBe('public');
  });

  it('serves GraphiQL outside production unless GRAPHIQL=off, and in production only with GRAPHIQL=on', () => {
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) };
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
});
