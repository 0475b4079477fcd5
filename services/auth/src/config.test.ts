import { ConfigError } from '@gatehouse/config';
import { loadAuthConfig } from './config';

describe('auth config', () => {
  it('when nothing is set, then the defaults work against the local services', () => {
    const config = loadAuthConfig({});
    expect(config).toMatchObject({ PORT: 4001, BCRYPT_COST: 12, COOKIE_SECURE: true, ACCESS_TOKEN_TTL_SECONDS: 900, REFRESH_TOKEN_TTL_SECONDS: 604_800 });
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\/.*127\.0\.0\.1:5432/);
    expect(config).toMatchObject({
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      EVENTS_EXCHANGE: 'gatehouse.events',
      EVENTS_QUEUE_PREFIX: 'auth',
      APP_URL: 'http://localhost:8080',
      EMAIL_VERIFICATION_TTL_SECONDS: 86_400,
      RESEND_VERIFICATION_LIMIT: 3,
      RESEND_VERIFICATION_WINDOW_SECONDS: 3600,
      EVENT_MAX_ATTEMPTS: 5,
      EVENT_RETRY_BASE_DELAY_MS: 1000,
    });
  });

  it('when production runs without a signing key or with a weak bcrypt cost, then boot stops with every reason', () => {
    expect(() => loadAuthConfig({ NODE_ENV: 'production', BCRYPT_COST: '8' })).toThrow(ConfigError);
    try {
      loadAuthConfig({ NODE_ENV: 'production', BCRYPT_COST: '8' });
    } catch (error) {
      expect((error as ConfigError).message).toMatch(/BCRYPT_COST" must be at least 10 in production/);
      expect((error as ConfigError).message).toMatch(/JWT_PRIVATE_KEY_FILE/);
    }
  });

  it('when nothing is set, then the client credentials grant has its defaults', () => {
    expect(loadAuthConfig({})).toMatchObject({
      TOKEN_IP_LIMIT: 300,
      TOKEN_IP_WINDOW_SECONDS: 60,
      TOKEN_CLIENT_LIMIT: 120,
      TOKEN_CLIENT_WINDOW_SECONDS: 60,
      OAUTH_SCOPES: ['users:read', 'users:write'],
      OAUTH_CLIENTS_LIMIT: 100,
    });
  });

  it.each([
    ['a scope with a quote', 'users:read bad"scope', /is not a scope token/],
    ['a scope twice', 'users:read users:read', /distinct/],
    ['only spaces', '   ', /list 1 to 64 scopes/],
  ])('when OAUTH_SCOPES has %s, then boot stops naming the problem', (_case, value, message) => {
    expect(() => loadAuthConfig({ OAUTH_SCOPES: value })).toThrow(message);
  });

  it('when a token limit is not a positive number, then boot stops', () => {
    expect(() => loadAuthConfig({ TOKEN_CLIENT_LIMIT: '0' })).toThrow(/TOKEN_CLIENT_LIMIT/);
    expect(() => loadAuthConfig({ OAUTH_CLIENTS_LIMIT: '100000' })).toThrow(/OAUTH_CLIENTS_LIMIT/);
  });

  it('when production has no MFA_ENCRYPTION_KEY, or one that is not the base64 of 32 bytes, then boot stops naming it', () => {
    const production = {
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(32),
      JWT_PRIVATE_KEY_FILE: '/k.pem',
      JWT_ISSUER: 'https://id.example.com',
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_ORIGINS: 'https://example.com',
    };
    const key = Buffer.alloc(32, 1).toString('base64');
    expect(loadAuthConfig({ ...production, MFA_ENCRYPTION_KEY: key }).MFA_ENCRYPTION_KEY).toBe(key);
    expect(() => loadAuthConfig(production)).toThrow(/MFA_ENCRYPTION_KEY/);
    expect(() => loadAuthConfig({ ...production, MFA_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/at least 32 random bytes/);
    expect(() => loadAuthConfig({ ...production, MFA_ENCRYPTION_KEY: 'not base64 at all!' })).toThrow(/MFA_ENCRYPTION_KEY/);
    expect(loadAuthConfig({})).toMatchObject({ MFA_ISSUER: 'Gatehouse', MFA_FAILURE_LIMIT: 5, MFA_FAILURE_WINDOW_SECONDS: 900 });
    expect(() => loadAuthConfig({ MFA_ISSUER: 'Gate:house' })).toThrow(/MFA_ISSUER/);
  });

  it('when nothing names the passkey relying party, then development uses localhost and production stops naming both keys', () => {
    expect(loadAuthConfig({})).toMatchObject({
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_RP_NAME: 'Gatehouse',
      WEBAUTHN_ORIGINS: ['http://localhost:3000', 'http://localhost:8080'],
      PASSKEYS_PER_USER_LIMIT: 20,
    });
    const production = {
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(32),
      JWT_PRIVATE_KEY_FILE: '/k.pem',
      JWT_ISSUER: 'https://id.example.com',
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    };
    expect(() => loadAuthConfig(production)).toThrow(/"WEBAUTHN_RP_ID" is required[\s\S]*"WEBAUTHN_ORIGINS" is required/);
    expect(loadAuthConfig({ ...production, WEBAUTHN_RP_ID: 'Example.com', WEBAUTHN_ORIGINS: 'https://app.example.com,https://example.com' })).toMatchObject({
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_ORIGINS: ['https://app.example.com', 'https://example.com'],
    });
  });

  it.each([
    ['an origin outside the RP ID', { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.org' }, /not within WEBAUTHN_RP_ID example.com/],
    ['a look-alike suffix', { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://badexample.com' }, /not within WEBAUTHN_RP_ID/],
    ['plain http off localhost', { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'http://app.example.com' }, /passkeys need https/],
    ['an RP ID that is no host name', { WEBAUTHN_RP_ID: 'https://example.com' }, /WEBAUTHN_RP_ID/],
  ])('when the relying party has %s, then boot stops naming it', (_case, env, message) => {
    expect(() => loadAuthConfig(env)).toThrow(message);
  });

  it('when only one half of the bootstrap admin is given, then boot stops', () => {
    expect(() => loadAuthConfig({ BOOTSTRAP_ADMIN_EMAIL: 'root@example.com' })).toThrow(/BOOTSTRAP_ADMIN_PASSWORD/);
  });
});
