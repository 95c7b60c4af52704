import { ConfigError, loadConfig } from '../../src/config';

describe('limit settings', () => {
  it('defaults to the limits the README documents', () => {
    const config = loadConfig({});
    expect(config.operationLimits).toEqual({ maxDepth: 12, maxAliases: 30, maxTokens: 2000, maxDirectives: 20, maxCost: 50_000 });
    expect(config.rateLimits).toEqual({
      logInFailure: { points: 10, durationSeconds: 900 },
      logInFailureByIp: { points: 100, durationSeconds: 60 },
      guestComment: { points: 30, durationSeconds: 60 },
      upload: { points: 60, durationSeconds: 3600 },
      invitation: { points: 50, durationSeconds: 3600 },
    });
  });

  it('reads rate limits written as count/duration, and "off"', () => {
    const config = loadConfig({ RATE_LIMIT_LOGIN_EMAIL: '5/30m', RATE_LIMIT_GUEST_COMMENT: '120 / 1h', RATE_LIMIT_UPLOAD: 'off', RATE_LIMIT_INVITATION: '3/d' });
    expect(config.rateLimits.logInFailure).toEqual({ points: 5, durationSeconds: 1800 });
    expect(config.rateLimits.guestComment).toEqual({ points: 120, durationSeconds: 3600 });
    expect(config.rateLimits.upload).toBeNull();
    expect(config.rateLimits.invitation).toEqual({ points: 3, durationSeconds: 86400 });
  });

  it('reads TRUST_PROXY as a hop count or a list of addresses', () => {
    expect(loadConfig({}).trustProxy).toBe('loopback');
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback,10.0.0.0/8, fd00::/8' }).trustProxy).toBe('loopback, 10.0.0.0/8, fd00::/8');
  });

  it.each([
    ['RATE_LIMIT_LOGIN_EMAIL', '10'],
    ['RATE_LIMIT_LOGIN_IP', 'ten/1m'],
    ['RATE_LIMIT_GUEST_COMMENT', '0/1m'],
    ['RATE_LIMIT_UPLOAD', '10/0s'],
    ['RATE_LIMIT_INVITATION', '10/1w'],
    ['MAX_QUERY_DEPTH', '1'],
    ['MAX_QUERY_ALIASES', '-1'],
    ['MAX_QUERY_TOKENS', 'lots'],
    ['MAX_QUERY_DIRECTIVES', '1.5'],
    ['MAX_QUERY_COST', '0'],
    ['TRUST_PROXY', 'everyone'],
    ['TRUST_PROXY', '10.0.0.0/33'],
  ])('stops the start on a bad %s, naming it', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });
});
