import Joi from 'joi';
import {
  baseServiceKeys,
  databaseKeys,
  eventQueueKeys,
  flag,
  loadConfig,
  outboxKeys,
  processedEventsKeys,
  originList,
  positiveInt,
  stringList,
  tokenClaimsKeys,
  url,
  type BaseServiceConfig,
  type DatabaseConfig,
  type EventQueueConfig,
  type OutboxConfig,
  type ProcessedEventsConfig,
  type TokenClaimsConfig,
} from '@gatehouse/config';

/** A Redis Cluster, named by some of its nodes (the client discovers the rest). */
export interface RedisClusterNodes {
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  /** The nodes were given as `rediss://`: TLS to every node. */
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
}

export interface AuthConfig extends BaseServiceConfig, DatabaseConfig, TokenClaimsConfig, OutboxConfig, ProcessedEventsConfig, EventQueueConfig {
  /** One Redis server; absent when REDIS_CLUSTER_NODES names a cluster instead. */
  REDIS_URL?: string;
  REDIS_CLUSTER_NODES?: RedisClusterNodes;
  REDIS_KEY_PREFIX: string;
  JWT_PRIVATE_KEY_FILE?: string;
  JWT_PUBLISHED_PUBLIC_KEY_FILES: string[];
  /** JSON `{"keys":[{"file","activateAt"}]}`: scheduled signing keys, instead of JWT_PRIVATE_KEY_FILE. */
  JWT_KEYS_MANIFEST_FILE?: string;
  /** How long a key is published before it signs: longer than any verifier's key refresh. */
  KEY_PUBLISH_LEAD_SECONDS: number;
  /** The longest a verifier keeps a JWKS; a key stays published this long past its tokens' expiry. */
  VERIFIER_CACHE_SECONDS: number;
  DEV_KEYS_DIR: string;
  JWKS_MAX_AGE_SECONDS: number;
  /** Signs refresh and CSRF tokens (≥ 32 characters of randomness); generated in DEV_KEYS_DIR for development. */
  SESSION_SECRET?: string;
  /**
   * Encrypts TOTP secrets and keys the recovery-code digests: base64 of ≥ 32 random bytes.
   * Required in production; development derives one from SESSION_SECRET.
   */
  MFA_ENCRYPTION_KEY?: string;
  /** The name authenticator apps show above the code (otpauth issuer). */
  MFA_ISSUER: string;
  /** One-time codes tried per account and window (login, confirmation, removal), counted before checking. */
  MFA_FAILURE_LIMIT: number;
  MFA_FAILURE_WINDOW_SECONDS: number;
  /**
   * The WebAuthn relying party: passkeys are bound to this domain (the page's host or a parent of
   * it) and work only on the origins listed. Required in production; development uses localhost.
   */
  WEBAUTHN_RP_ID: string;
  /** The name the browser shows when it asks to create a passkey. */
  WEBAUTHN_RP_NAME: string;
  /** The pages that run the passkey ceremonies (the app's origins), each within WEBAUTHN_RP_ID. */
  WEBAUTHN_ORIGINS: string[];
  /** Passkeys one account may hold. */
  PASSKEYS_PER_USER_LIMIT: number;
  /** Idle timeout: a refresh token unused this long is dead. */
  REFRESH_TOKEN_TTL_SECONDS: number;
  /** Absolute session lifetime from login; refresh never extends a session past it. */
  SESSION_MAX_AGE_SECONDS: number;
  REFRESH_REUSE_GRACE_SECONDS: number;
  SESSIONS_PER_USER_LIMIT: number;
  BCRYPT_COST: number;
  CORS_ORIGINS: string[];
  COOKIE_SECURE: boolean;
  REQUIRE_VERIFIED_EMAIL: boolean;
  LOGIN_IP_LIMIT: number;
  LOGIN_IP_WINDOW_SECONDS: number;
  LOGIN_FREE_ATTEMPTS: number;
  LOGIN_BACKOFF_MAX_SECONDS: number;
  LOGIN_ACCOUNT_FAILURE_LIMIT: number;
  LOGIN_ACCOUNT_WINDOW_SECONDS: number;
  /** Refreshes (rotations and grace replays) per session and window. */
  REFRESH_SESSION_LIMIT: number;
  REFRESH_SESSION_WINDOW_SECONDS: number;
  /** Presentations of refresh tokens we never issued, per client address and window. */
  REFRESH_INVALID_IP_LIMIT: number;
  REFRESH_INVALID_IP_WINDOW_SECONDS: number;
  /** Per-address limits count an IPv6 client by this prefix. */
  RATE_LIMIT_IPV6_PREFIX_BITS: number;
  REGISTER_IP_LIMIT: number;
  REGISTER_IP_WINDOW_SECONDS: number;
  BOOTSTRAP_ADMIN_EMAIL?: string;
  BOOTSTRAP_ADMIN_PASSWORD?: string;
  AMQP_URL: string;
  EVENTS_EXCHANGE: string;
  /** Prefix of this service's queues (`<prefix>.user-deleted`); tests make it unique. */
  EVENTS_QUEUE_PREFIX: string;
  /** Public origin of the platform; the confirmation page links back to it. */
  APP_URL: string;
  /** Where users sign in: the platform's web app, which the pages' "Continue" links to. Default: APP_URL. */
  SIGN_IN_URL: string;
  EMAIL_VERIFICATION_TTL_SECONDS: number;
  /** Resend requests per window, counted separately per email digest and per client address. */
  RESEND_VERIFICATION_LIMIT: number;
  RESEND_VERIFICATION_WINDOW_SECONDS: number;
  VERIFY_EMAIL_IP_LIMIT: number;
  VERIFY_EMAIL_IP_WINDOW_SECONDS: number;
  EVENT_MAX_ATTEMPTS: number;
  EVENT_RETRY_BASE_DELAY_MS: number;
  /** How long an emailed password-reset link works. */
  PASSWORD_RESET_TTL_SECONDS: number;
  /** Reset requests per window, counted per client address and (silently) per email digest. */
  PASSWORD_FORGOT_LIMIT: number;
  PASSWORD_FORGOT_WINDOW_SECONDS: number;
  /** Register answers 202 whether or not the address has an account; the owner gets a notice. */
  REGISTRATION_CONCEALS_EXISTING: boolean;
  /** Token requests (client credentials) per client address and window, counted before any work. */
  TOKEN_IP_LIMIT: number;
  TOKEN_IP_WINDOW_SECONDS: number;
  /** Tokens per authenticated client and window. */
  TOKEN_CLIENT_LIMIT: number;
  TOKEN_CLIENT_WINDOW_SECONDS: number;
  /** Space-separated: the scopes admins may grant to OAuth clients (published as scopes_supported). */
  OAUTH_SCOPES: string[];
  /** How many OAuth clients may exist at once. */
  OAUTH_CLIENTS_LIMIT: number;
  /** Audit records older than this many days are pruned (at least 7). */
  AUDIT_RETENTION_DAYS: number;
}

const positive = positiveInt;

/** RFC 6749 §3.3 scope-token (NQCHAR), at most as long as verifiers accept (@gatehouse/jwt). */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
/** Verifiers refuse a token with more scopes than this (@gatehouse/jwt). */
const MAX_SCOPES = 64;

/** A space-separated list of distinct OAuth scope tokens. */
const scopeList = () =>
  Joi.string().custom((raw: string, helpers) => {
    const scopes = raw.split(' ').filter((scope) => scope.length > 0);
    const malformed = scopes.find((scope) => !SCOPE_TOKEN.test(scope));
    if (malformed !== undefined) return helpers.message({ custom: `"${malformed}" is not a scope token (RFC 6749 §3.3)` });
    if (new Set(scopes).size !== scopes.length) return helpers.message({ custom: 'scopes must be distinct' });
    if (scopes.length === 0 || scopes.length > MAX_SCOPES) return helpers.message({ custom: `list 1 to ${MAX_SCOPES} scopes` });
    return scopes;
  });

/** Outside production, passkeys work on the gateway's and a dev server's localhost pages. */
const DEV_RELYING_PARTY = { WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: ['http://localhost:3000', 'http://localhost:8080'] };

/**
 * Fills development's relying party, then checks that every origin can use passkeys of the RP
 * ID: a browser allows only hosts at or below it, over https (http only on localhost, a secure
 * context). Any other origin could never complete a ceremony.
 */
function passkeyRelyingParty(given: AuthConfig, helpers: Joi.CustomHelpers) {
  if (given.NODE_ENV === 'production' && (given.WEBAUTHN_RP_ID === undefined || given.WEBAUTHN_ORIGINS === undefined)) return given;
  const config = { ...given, WEBAUTHN_RP_ID: given.WEBAUTHN_RP_ID ?? DEV_RELYING_PARTY.WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS: given.WEBAUTHN_ORIGINS ?? DEV_RELYING_PARTY.WEBAUTHN_ORIGINS };
  const rpId = config.WEBAUTHN_RP_ID;
  for (const origin of config.WEBAUTHN_ORIGINS) {
    const { hostname, protocol } = new URL(origin);
    if (hostname !== rpId && !hostname.endsWith(`.${rpId}`)) return helpers.message({ custom: `"WEBAUTHN_ORIGINS" has ${origin}, which is not within WEBAUTHN_RP_ID ${rpId}` });
    if (protocol !== 'https:' && hostname !== 'localhost') return helpers.message({ custom: `"WEBAUTHN_ORIGINS" has ${origin}: passkeys need https (or http://localhost)` });
  }
  return config;
}

const REDIS_DEFAULT_URL = 'redis://127.0.0.1:6379';

/** How an entry of REDIS_CLUSTER_NODES names a node: `host:port`, or a URL for TLS and credentials. */
function parseRedisNode(entry: string): URL | undefined {
  try {
    const url = new URL(/^[a-z]+:\/\//i.test(entry) ? entry : `redis://${entry}`);
    const bare = (url.pathname === '' || url.pathname === '/') && !url.search && !url.hash;
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname && bare ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Comma-separated `host:port` (port 6379 by default) or `redis[s]://[user:password@]host:port`
 * entries, all with one scheme and one set of credentials: a cluster has one of each.
 */
const redisClusterNodes = () =>
  Joi.string().custom((raw: string, helpers) => {
    const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
    if (entries.length === 0) return helpers.message({ custom: '{{#label}} must name at least one node' });
    const urls: URL[] = [];
    for (const entry of entries) {
      const url = parseRedisNode(entry);
      if (!url) return helpers.message({ custom: '{{#label}}: "{{#entry}}" is neither host:port nor redis[s]://[user:password@]host:port' }, { entry });
      urls.push(url);
    }
    const [first] = urls as [URL, ...URL[]];
    if (!urls.every((url) => url.protocol === first.protocol && url.username === first.username && url.password === first.password)) {
      return helpers.message({ custom: '{{#label}} must give every node the same scheme and credentials' });
    }
    const cluster: RedisClusterNodes = {
      // URL keeps the brackets around an IPv6 host; sockets want the bare address.
      nodes: urls.map((url) => ({ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : 6379 })),
      tls: first.protocol === 'rediss:',
      ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
      ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
    };
    return cluster;
  });

/** Beyond the access-token lifetime, what the revocation log keeps for verifiers' clock tolerance and restarts. */
const REVOCATION_LOG_MARGIN_SECONDS = 300;

export const authConfigSchema = Joi.object<AuthConfig>({
  ...baseServiceKeys(4001),
  ...databaseKeys('gatehouse_auth'),
  ...tokenClaimsKeys(),
  ...outboxKeys(),
  // The outbox is also the revocation log gateways read when they (re)connect
  // (GET /internal/revocations): it must reach back over a whole access-token lifetime.
  OUTBOX_RETENTION_SECONDS: outboxKeys()
    .OUTBOX_RETENTION_SECONDS.min(Joi.ref('ACCESS_TOKEN_TTL_SECONDS', { adjust: (ttl: number) => ttl + REVOCATION_LOG_MARGIN_SECONDS }))
    .messages({ 'number.min': '"OUTBOX_RETENTION_SECONDS" must be at least ACCESS_TOKEN_TTL_SECONDS + 300: gateways that reconnect read missed revocations from the outbox' })
    .default((parent: { ACCESS_TOKEN_TTL_SECONDS: number }) => Math.max(3600, parent.ACCESS_TOKEN_TTL_SECONDS + REVOCATION_LOG_MARGIN_SECONDS)),
  ...processedEventsKeys(),
  ...eventQueueKeys(),
  // The default stays visible to the deployment checks; beside a cluster only it may be "set" (and is dropped).
  REDIS_URL: url(['redis', 'rediss'])
    .default(REDIS_DEFAULT_URL)
    .when('REDIS_CLUSTER_NODES', {
      is: Joi.exist(),
      then: Joi.valid(REDIS_DEFAULT_URL).strip().messages({ 'any.only': '"REDIS_URL" and "REDIS_CLUSTER_NODES" exclude each other: set one' }),
    }),
  REDIS_CLUSTER_NODES: redisClusterNodes(),
  // No braces: a hash tag in the prefix would put every key of the service in one cluster slot.
  REDIS_KEY_PREFIX: Joi.string().pattern(/^[\w:.-]+$/).default('gatehouse:auth:'),
  JWT_PRIVATE_KEY_FILE: Joi.string(),
  JWT_PUBLISHED_PUBLIC_KEY_FILES: stringList().default([]),
  JWT_KEYS_MANIFEST_FILE: Joi.string(),
  KEY_PUBLISH_LEAD_SECONDS: positive().default(1800),
  VERIFIER_CACHE_SECONDS: positive().default(1200),
  DEV_KEYS_DIR: Joi.string().default('.dev-keys'),
  JWKS_MAX_AGE_SECONDS: positive().max(86_400).default(300),
  SESSION_SECRET: Joi.string().min(32),
  // Standard or URL-safe base64, as `openssl rand -base64 32` or a secrets manager writes it.
  MFA_ENCRYPTION_KEY: Joi.string()
    .pattern(/^[A-Za-z0-9+/_-]+={0,2}$/)
    .custom((value: string, helpers) => (Buffer.from(value, 'base64').length >= 32 ? value : helpers.error('any.invalid')))
    .messages({ 'any.invalid': '"MFA_ENCRYPTION_KEY" must be the base64 of at least 32 random bytes', 'string.pattern.base': '"MFA_ENCRYPTION_KEY" must be base64' }),
  // A colon would split the otpauth label; apps show about this much.
  MFA_ISSUER: Joi.string().pattern(/^[^:\p{Cc}]{1,64}$/u).default('Gatehouse'),
  MFA_FAILURE_LIMIT: positive().max(100).default(5),
  MFA_FAILURE_WINDOW_SECONDS: positive().default(900),
  // No schema defaults: production must name both (see below); passkeyDefaults fills development's.
  WEBAUTHN_RP_ID: Joi.string().hostname().lowercase(),
  WEBAUTHN_RP_NAME: Joi.string().pattern(/^[^\p{Cc}]{1,64}$/u).default('Gatehouse'),
  WEBAUTHN_ORIGINS: originList(),
  PASSKEYS_PER_USER_LIMIT: positive().max(100).default(20),
  REFRESH_TOKEN_TTL_SECONDS: positive().default(604_800),
  SESSION_MAX_AGE_SECONDS: positive().default(2_592_000),
  REFRESH_REUSE_GRACE_SECONDS: Joi.number().min(0).max(60).default(10),
  SESSIONS_PER_USER_LIMIT: positive().max(1000).default(100),
  BCRYPT_COST: Joi.number()
    .integer()
    .min(4)
    .max(15)
    .default(12)
    .when('NODE_ENV', { is: 'production', then: Joi.number().min(10).messages({ 'number.min': '"BCRYPT_COST" must be at least 10 in production' }) }),
  CORS_ORIGINS: originList().default('http://localhost:3000,http://localhost:8080'),
  COOKIE_SECURE: flag().default(true),
  // On by default in production, where an unverified address must not be able to sign in.
  REQUIRE_VERIFIED_EMAIL: flag().when('NODE_ENV', { is: 'production', then: flag().default(true), otherwise: flag().default(false) }),
  LOGIN_IP_LIMIT: positive().default(30),
  LOGIN_IP_WINDOW_SECONDS: positive().default(60),
  LOGIN_FREE_ATTEMPTS: positive().default(5),
  LOGIN_BACKOFF_MAX_SECONDS: positive().default(900),
  LOGIN_ACCOUNT_FAILURE_LIMIT: positive().default(50),
  LOGIN_ACCOUNT_WINDOW_SECONDS: positive().default(900),
  REFRESH_SESSION_LIMIT: positive().default(30),
  REFRESH_SESSION_WINDOW_SECONDS: positive().default(60),
  REFRESH_INVALID_IP_LIMIT: positive().default(30),
  REFRESH_INVALID_IP_WINDOW_SECONDS: positive().default(60),
  RATE_LIMIT_IPV6_PREFIX_BITS: Joi.number().integer().min(16).max(128).default(64),
  REGISTER_IP_LIMIT: positive().default(20),
  REGISTER_IP_WINDOW_SECONDS: positive().default(3600),
  BOOTSTRAP_ADMIN_EMAIL: Joi.string().trim().lowercase().email({ tlds: false }),
  BOOTSTRAP_ADMIN_PASSWORD: Joi.string().min(8),
  AMQP_URL: url(['amqp', 'amqps']).default('amqp://guest:guest@127.0.0.1:5672'),
  EVENTS_EXCHANGE: Joi.string().max(200).default('gatehouse.events'),
  EVENTS_QUEUE_PREFIX: Joi.string()
    .pattern(/^[\w.-]{1,100}$/)
    .default('auth'),
  APP_URL: url(['http', 'https']).default('http://localhost:8080'),
  SIGN_IN_URL: url(['http', 'https']).default(Joi.ref('APP_URL')),
  EMAIL_VERIFICATION_TTL_SECONDS: positive().default(86_400),
  RESEND_VERIFICATION_LIMIT: positive().default(3),
  RESEND_VERIFICATION_WINDOW_SECONDS: positive().default(3600),
  VERIFY_EMAIL_IP_LIMIT: positive().default(30),
  VERIFY_EMAIL_IP_WINDOW_SECONDS: positive().default(60),
  EVENT_MAX_ATTEMPTS: positive().max(20).default(5),
  EVENT_RETRY_BASE_DELAY_MS: positive().default(1000),
  PASSWORD_RESET_TTL_SECONDS: positive().max(86_400).default(1800),
  PASSWORD_FORGOT_LIMIT: positive().default(5),
  PASSWORD_FORGOT_WINDOW_SECONDS: positive().default(3600),
  REGISTRATION_CONCEALS_EXISTING: flag().default(false),
  // A service asks for a token once per lifetime (minutes), not per request: these leave room for
  // a fleet restarting at once while keeping a flood off PostgreSQL and the signing key.
  TOKEN_IP_LIMIT: positive().default(300),
  TOKEN_IP_WINDOW_SECONDS: positive().default(60),
  TOKEN_CLIENT_LIMIT: positive().default(120),
  TOKEN_CLIENT_WINDOW_SECONDS: positive().default(60),
  OAUTH_SCOPES: scopeList().default('users:read users:write'),
  // The admin list returns every client in one page; this keeps it (and the attack surface) small.
  OAUTH_CLIENTS_LIMIT: positive().max(10_000).default(100),
  // prune_audit_log (migration 0008) refuses less than 7 days: recent records outlive a compromised service.
  AUDIT_RETENTION_DAYS: Joi.number().integer().min(7).max(36_500).default(90),
})
  .and('BOOTSTRAP_ADMIN_EMAIL', 'BOOTSTRAP_ADMIN_PASSWORD')
  .custom(passkeyRelyingParty)
  .oxor('JWT_PRIVATE_KEY_FILE', 'JWT_KEYS_MANIFEST_FILE')
  .when(Joi.object({ NODE_ENV: 'production' }).unknown(), {
    then: Joi.object({
      SESSION_SECRET: Joi.required(),
      MFA_ENCRYPTION_KEY: Joi.required(),
      WEBAUTHN_RP_ID: Joi.required(),
      WEBAUTHN_ORIGINS: Joi.required(),
      COOKIE_SECURE: Joi.valid(true),
      // Verifiers find the keys through metadata under the issuer and compare `iss` to it exactly.
      JWT_ISSUER: url(['https'])
        // The gateway serves the metadata and keys at the root of its origin (RFC 8414 §3), so an
        // issuer with a path would advertise endpoints nobody serves.
        .pattern(/^https:\/\/[^/?#]+\/?$/)
        .messages({
          'string.uri': '"JWT_ISSUER" must be an https URL in production',
          'string.uriCustomScheme': '"JWT_ISSUER" must be an https URL in production',
          'string.pattern.base': '"JWT_ISSUER" must be an origin without a path (https://id.example.com): the metadata is served at its root',
        }),
    }).or('JWT_PRIVATE_KEY_FILE', 'JWT_KEYS_MANIFEST_FILE'),
  });

export function loadAuthConfig(env: Record<string, string | undefined>): Readonly<AuthConfig> {
  return loadConfig('auth', authConfigSchema, env);
}
