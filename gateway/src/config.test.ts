import { randomUUID } from 'node:crypto';
import { ConfigError } from '@gatehouse/config';
import { claimsFromPayload, TokenRejection } from '@gatehouse/jwt';
import { loadGatewayConfig, revocationTtlSeconds } from './config';
import { createDenyList } from './revocation/deny-list';

describe('gateway config', () => {
  it('when nothing is set, then the defaults point at the local services', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({
      PORT: 8080,
      AUTH_SERVICE_URL: 'http://127.0.0.1:4001',
      USER_SERVICE_URL: 'http://127.0.0.1:4002',
      JWKS_URL: 'http://127.0.0.1:4001/.well-known/jwks.json',
      JWT_ISSUER: 'gatehouse',
      JWT_AUDIENCE: 'gatehouse-api',
      CORS_ORIGINS: ['http://localhost:3000', 'http://localhost:8080'],
      JWT_VERIFY_MODE: 'cached',
      BODY_LIMIT_BYTES: 16_384,
      UPSTREAM_TIMEOUT_MS: 10_000,
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      EVENTS_EXCHANGE: 'gatehouse.events',
      ACCESS_TOKEN_TTL_SECONDS: 900,
      JWT_CLOCK_TOLERANCE_SECONDS: 30,
    });
    expect(revocationTtlSeconds(config)).toBe(930);
  });

  it('when ACCESS_TOKEN_TTL_SECONDS changes, then the deny lifetime follows it with the clock tolerance on top', () => {
    expect(revocationTtlSeconds(loadGatewayConfig({ ACCESS_TOKEN_TTL_SECONDS: '300' }))).toBe(330);
    expect(revocationTtlSeconds(loadGatewayConfig({ ACCESS_TOKEN_TTL_SECONDS: '3600', JWT_CLOCK_TOLERANCE_SECONDS: '60' }))).toBe(3660);
  });

  it('when the retired REVOCATION_TTL_SECONDS is still set, then it is ignored and the deny lifetime stays derived', () => {
    const config = loadGatewayConfig({ REVOCATION_TTL_SECONDS: '60' });
    expect(config).not.toHaveProperty('REVOCATION_TTL_SECONDS');
    expect(revocationTtlSeconds(config)).toBe(930);
  });

  it('when a token is issued at the moment of its revocation, then the deny entry lasts exactly as long as the verifier would accept the token', () => {
    const config = loadGatewayConfig({ ACCESS_TOKEN_TTL_SECONDS: '300', JWT_CLOCK_TOLERANCE_SECONDS: '10' });
    let nowMs = 1_700_000_000_000;
    const denyList = createDenyList({ ttlMs: revocationTtlSeconds(config) * 1000, now: () => nowMs });
    const iat = nowMs / 1000;
    const payload = {
      iss: config.JWT_ISSUER,
      aud: config.JWT_AUDIENCE,
      sub: randomUUID(),
      sid: randomUUID(),
      jti: randomUUID(),
      email: 'ada@example.com',
      name: null,
      roles: ['user'],
      email_verified: true,
      iat,
      exp: iat + config.ACCESS_TOKEN_TTL_SECONDS,
    };
    const rules = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS };
    const verifyAt = (ms: number) => () => claimsFromPayload(payload, { ...rules, nowSeconds: ms / 1000 });
    denyList.revokeUser(payload.sub);

    nowMs += (revocationTtlSeconds(config) - 1) * 1000;
    expect(verifyAt(nowMs)).not.toThrow();
    expect(denyList.has(payload.sub, payload.sid)).toBe(true);

    nowMs += 1000;
    expect(verifyAt(nowMs)).toThrow(TokenRejection);
    expect(denyList.has(payload.sub, payload.sid)).toBe(false);
  });

  it('when only the auth service moves, then the JWKS URL follows it', () => {
    expect(loadGatewayConfig({ AUTH_SERVICE_URL: 'http://auth:4001/' }).JWKS_URL).toBe('http://auth:4001/.well-known/jwks.json');
  });

  it('when production asks to skip token verification, then boot stops', () => {
    expect(() => loadGatewayConfig({ NODE_ENV: 'production', JWT_VERIFY_MODE: 'off' })).toThrow(ConfigError);
    expect(loadGatewayConfig({ NODE_ENV: 'development', JWT_VERIFY_MODE: 'off' }).JWT_VERIFY_MODE).toBe('off');
  });

  it('when production asks for the example app, then boot stops; elsewhere it is off unless asked for', () => {
    expect(loadGatewayConfig({ NODE_ENV: 'production' }).EXAMPLE_APP).toBe(false);
    expect(() => loadGatewayConfig({ NODE_ENV: 'production', EXAMPLE_APP: 'true' })).toThrow(/"EXAMPLE_APP" cannot be true in production/);
    expect(loadGatewayConfig({ NODE_ENV: 'development' }).EXAMPLE_APP).toBe(false);
    expect(loadGatewayConfig({ NODE_ENV: 'development', EXAMPLE_APP: 'true' }).EXAMPLE_APP).toBe(true);
  });

  it('when a CORS origin carries a path, then boot stops', () => {
    expect(() => loadGatewayConfig({ CORS_ORIGINS: 'http://localhost:3000/app' })).toThrow(/not an origin/);
  });
});
