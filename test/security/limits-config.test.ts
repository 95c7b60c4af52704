import { availableParallelism } from 'node:os';
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
      signUp: { points: 20, durationSeconds: 3600 },
      invitationFailure: { points: 20, durationSeconds: 900 },
    });
    expect(config.webSocketLimits).toEqual({ connectionsPerSession: 20, connectionsPerIp: 200, subscriptionCostPerActor: 5000 });
    expect(config.passwordHashConcurrency).toBe(Math.max(1, Math.min(4, availableParallelism() - 1)));
  });

  it('reads the sign-up, invitation, websocket and hashing limits', () => {
    const config = loadConfig({
      RATE_LIMIT_SIGNUP: '5/1d',
      RATE_LIMIT_ACCEPT_INVITATION: 'off',
      WS_MAX_CONNECTIONS_PER_SESSION: '4',
      WS_MAX_CONNECTIONS_PER_IP: '1000',
      WS_MAX_SUBSCRIPTION_COST_PER_ACTOR: '2500',
      PASSWORD_HASH_CONCURRENCY: '3',
    });
    expect(config.rateLimits.signUp).toEqual({ points: 5, durationSeconds: 86400 });
    expect(config.rateLimits.invitationFailure).toBeNull();
    expect(config.webSocketLimits).toEqual({ connectionsPerSession: 4, connectionsPerIp: 1000, subscriptionCostPerActor: 2500 });
    expect(config.passwordHashConcurrency).toBe(3);
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
    ['RATE_LIMIT_SIGNUP', 'many'],
    ['RATE_LIMIT_ACCEPT_INVITATION', '5/1y'],
    ['WS_MAX_CONNECTIONS_PER_SESSION', '0'],
    ['WS_MAX_CONNECTIONS_PER_IP', 'lots'],
    ['WS_MAX_SUBSCRIPTION_COST_PER_ACTOR', '-5'],
    ['PASSWORD_HASH_CONCURRENCY', '0'],
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
