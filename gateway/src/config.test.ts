import { ConfigError } from '@gatehouse/config';
import { loadGatewayConfig } from './config';

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
      REVOCATION_TTL_SECONDS: 960,
    });
  });

  it('when only the auth service moves, then the JWKS URL follows it', () => {
    expect(loadGatewayConfig({ AUTH_SERVICE_URL: 'http://auth:4001/' }).JWKS_URL).toBe('http://auth:4001/.well-known/jwks.json');
  });

  it('when production asks to skip token verification, then boot stops', () => {
    expect(() => loadGatewayConfig({ NODE_ENV: 'production', JWT_VERIFY_MODE: 'off' })).toThrow(ConfigError);
    expect(loadGatewayConfig({ NODE_ENV: 'development', JWT_VERIFY_MODE: 'off' }).JWT_VERIFY_MODE).toBe('off');
  });

  it('when a CORS origin carries a path, then boot stops', () => {
    expect(() => loadGatewayConfig({ CORS_ORIGINS: 'http://localhost:3000/app' })).toThrow(/not an origin/);
  });
});
