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
      EVENT_RETRY_MAX_DELAY_MS: 60_000,
      EVENTS_QUEUE_TYPE: 'classic',
    });
  });

  it('when SIGN_IN_URL is not set, then the pages link on to APP_URL; when it is, to the web app it names', () => {
    expect(loadAuthConfig({ APP_URL: 'https://api.example.com' }).SIGN_IN_URL).toBe('https://api.example.com');
    expect(loadAuthConfig({ APP_URL: 'https://api.example.com', SIGN_IN_URL: 'https://app.example.com/sign-in' }).SIGN_IN_URL).toBe(
      'https://app.example.com/sign-in',
    );
    expect(() => loadAuthConfig({ SIGN_IN_URL: 'javascript:alert(1)' })).toThrow(/SIGN_IN_URL/);
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

describe('auth config: Redis', () => {
  it('when nothing is set, then sessions live on the local single Redis', () => {
    const config = loadAuthConfig({});
    expect(config).toMatchObject({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: 'gatehouse:auth:' });
    expect(config.REDIS_CLUSTER_NODES).toBeUndefined();
  });

  it('when cluster nodes are named, then they replace the single Redis, with the default port where none is given', () => {
    const config = loadAuthConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b ,[fd00::3]:7002' });
    expect(config.REDIS_CLUSTER_NODES).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b', port: 6379 },
        { host: 'fd00::3', port: 7002 },
      ],
      tls: false,
    });
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('when the nodes are rediss:// URLs with one password, then TLS and the credentials apply to the cluster', () => {
    const config = loadAuthConfig({ REDIS_CLUSTER_NODES: 'rediss://gatehouse:s%40cret@a.example:6380,rediss://gatehouse:s%40cret@b.example:6380' });
    expect(config.REDIS_CLUSTER_NODES).toEqual({
      nodes: [
        { host: 'a.example', port: 6380 },
        { host: 'b.example', port: 6380 },
      ],
      tls: true,
      username: 'gatehouse',
      password: 's@cret',
    });
  });

  it('when both REDIS_URL and REDIS_CLUSTER_NODES are set, then boot stops naming both', () => {
    expect(() => loadAuthConfig({ REDIS_URL: 'redis://cache:6379', REDIS_CLUSTER_NODES: '10.0.0.1:7000' })).toThrow(
      /"REDIS_URL" and "REDIS_CLUSTER_NODES" exclude each other/,
    );
  });

  it.each([
    ['an entry that is no address', '10.0.0.1:7000,not a host', /"not a host" is neither host:port nor/],
    ['a database path, which a cluster does not have', 'redis://10.0.0.1:7000/2', /is neither host:port nor/],
    ['another scheme', 'http://10.0.0.1:7000', /is neither host:port nor/],
    ['nodes with different credentials', 'redis://:a@10.0.0.1:7000,redis://:b@10.0.0.2:7000', /same scheme and credentials/],
    ['TLS on some nodes only', 'rediss://10.0.0.1:7000,10.0.0.2:7000', /same scheme and credentials/],
    ['only commas', ' , ', /at least one node/],
  ])('when REDIS_CLUSTER_NODES has %s, then boot stops naming it', (_case, value, message) => {
    expect(() => loadAuthConfig({ REDIS_CLUSTER_NODES: value })).toThrow(message);
    expect(() => loadAuthConfig({ REDIS_CLUSTER_NODES: value })).toThrow(/REDIS_CLUSTER_NODES/);
  });

  it('when the key prefix holds a brace, then boot stops: a hash tag there would put every key in one cluster slot', () => {
    expect(() => loadAuthConfig({ REDIS_KEY_PREFIX: 'gatehouse:{auth}:' })).toThrow(/REDIS_KEY_PREFIX/);
  });

  it('when the outbox would forget revocations sooner than an access token lives, then boot stops naming it', () => {
    expect(() => loadAuthConfig({ OUTBOX_RETENTION_SECONDS: '900' })).toThrow(/OUTBOX_RETENTION_SECONDS/);
    expect(loadAuthConfig({ OUTBOX_RETENTION_SECONDS: '1200' }).OUTBOX_RETENTION_SECONDS).toBe(1200);
    expect(() => loadAuthConfig({ ACCESS_TOKEN_TTL_SECONDS: '3600', OUTBOX_RETENTION_SECONDS: '3600' })).toThrow(/OUTBOX_RETENTION_SECONDS/);
    // Unset, it follows a long token lifetime instead of refusing to boot.
    expect(loadAuthConfig({ ACCESS_TOKEN_TTL_SECONDS: '3600' }).OUTBOX_RETENTION_SECONDS).toBe(3900);
  });

  it('when production names an issuer with a path, then boot stops: the metadata is served at the root of its origin', () => {
    const production = {
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(32),
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      JWT_PRIVATE_KEY_FILE: '/k.pem',
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_ORIGINS: 'https://app.example.com',
    };
    expect(() => loadAuthConfig({ ...production, JWT_ISSUER: 'https://id.example.com/tenant' })).toThrow(/JWT_ISSUER" must be an origin without a path/);
    expect(loadAuthConfig({ ...production, JWT_ISSUER: 'https://id.example.com' }).JWT_ISSUER).toBe('https://id.example.com');
  });
});
