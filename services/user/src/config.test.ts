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
    });
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\/.*127\.0\.0\.1:5432\/gatehouse_user$/);
  });

  it('when values are wrong, then boot stops naming every one of them', () => {
    expect(() => loadUserConfig({ PORT: 'eighty', JWKS_URL: 'ftp://auth/jwks' })).toThrow(ConfigError);
    expect(() => loadUserConfig({ PORT: 'eighty', JWKS_URL: 'ftp://auth/jwks' })).toThrow(/PORT[\s\S]*JWKS_URL/);
  });
});
