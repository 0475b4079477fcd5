import { ConfigError } from '@gatehouse/config';
import { loadUserConfig } from './config';

describe('user config', () => {
  it('when nothing is set, then the defaults work against the local services', () => {
    const config = loadUserConfig({});
    expect(config).toMatchObject({
      PORT: 4002,
      JWKS_URL: 'http://127.0.0.1:4001/.well-known/jwks.json',
      JWT_ISSUER: 'gatehouse',
      JWT_AUDIENCE: 'gatehouse-api',
      TRUST_PROXY_HOPS: 0,
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      EVENTS_EXCHANGE: 'gatehouse.events',
      EVENTS_QUEUE_PREFIX: 'user',
      EVENT_MAX_ATTEMPTS: 5,
      EVENT_RETRY_BASE_DELAY_MS: 1000,
      EVENT_RETRY_MAX_DELAY_MS: 60_000,
      EVENTS_QUEUE_TYPE: 'classic',
    });
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\/.*127\.0\.0\.1:5432\/gatehouse_user$/);
  });

  it('when values are wrong, then boot stops naming every one of them', () => {
    expect(() => loadUserConfig({ PORT: 'eighty', JWKS_URL: 'ftp://auth/jwks' })).toThrow(ConfigError);
    expect(() => loadUserConfig({ PORT: 'eighty', JWKS_URL: 'ftp://auth/jwks' })).toThrow(/PORT[\s\S]*JWKS_URL/);
    expect(() => loadUserConfig({ AMQP_URL: 'redis://broker', EVENT_MAX_ATTEMPTS: '0' })).toThrow(/AMQP_URL[\s\S]*EVENT_MAX_ATTEMPTS/);
  });
});
