import Joi from 'joi';
import {
  baseServiceKeys,
  brokerKeys,
  configSchema,
  databaseKeys,
  eventConsumerKeys,
  flag,
  loadConfig,
  optional,
  outboxKeys,
  processedEventsKeys,
  originList,
  positiveInt,
  stringList,
  tokenClaimsKeys,
  url,
  type ConfigOf,
} from '@gatehouse/config';

/** A Redis Cluster, named by some of its nodes (the client discovers the rest). */
export interface RedisClusterNodes {
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  /** The nodes were given as `rediss://`: TLS to every node. */
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
}

const positive = positiveInt;

/** RFC 6749 §3.3 scope-token (NQCHAR), at most as long as verifiers accept (@gatehouse/jwt). */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
/** Verifiers refuse a token with more scopes than this (@gatehouse/jwt). */
const MAX_SCOPES = 64;

/** A space-separated list of distinct OAuth scope tokens. */
const scopeList = () =>
  Joi.string<string[]>().custom((raw: string, helpers) => {
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
  const config = {
    ...given,
    WEBAUTHN_RP_ID: given.WEBAUTHN_RP_ID ?? DEV_RELYING_PARTY.WEBAUTHN_RP_ID,
    WEBAUTHN_ORIGINS: given.WEBAUTHN_ORIGINS ?? DEV_RELYING_PARTY.WEBAUTHN_ORIGINS,
  };
  const rpId = config.WEBAUTHN_RP_ID;
  for (const origin of config.WEBAUTHN_ORIGINS) {
    const { hostname, protocol } = new URL(origin);
    if (hostname !== rpId && !hostname.endsWith(`.${rpId}`))
      return helpers.message({ custom: `"WEBAUTHN_ORIGINS" has ${origin}, which is not within WEBAUTHN_RP_ID ${rpId}` });
    if (protocol !== 'https:' && hostname !== 'localhost')
      return helpers.message({ custom: `"WEBAUTHN_ORIGINS" has ${origin}: passkeys need https (or http://localhost)` });
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
  Joi.string<RedisClusterNodes>().custom((raw: string, helpers) => {
    const entries = raw
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
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

const authConfigFields = {
  ...baseServiceKeys(4001),
  ...databaseKeys('gatehouse_auth'),
  ...tokenClaimsKeys(),
  ...outboxKeys(),
  // The outbox is also the revocation log gateways read when they (re)connect
  // (GET /internal/revocations): it must reach back over a whole access-token lifetime.
  OUTBOX_RETENTION_SECONDS: outboxKeys()
    .OUTBOX_RETENTION_SECONDS.min(Joi.ref('ACCESS_TOKEN_TTL_SECONDS', { adjust: (ttl: number) => ttl + REVOCATION_LOG_MARGIN_SECONDS }))
    .messages({
      'number.min':
        '"OUTBOX_RETENTION_SECONDS" must be at least ACCESS_TOKEN_TTL_SECONDS + 300: gateways that reconnect read missed revocations from the outbox',
    })
    .default((parent: { ACCESS_TOKEN_TTL_SECONDS: number }) => Math.max(3600, parent.ACCESS_TOKEN_TTL_SECONDS + REVOCATION_LOG_MARGIN_SECONDS)),
  ...processedEventsKeys(),
  ...brokerKeys(),
  ...eventConsumerKeys({ queuePrefix: 'auth' }),
  /**
   * One Redis server; absent when REDIS_CLUSTER_NODES names a cluster instead. The default stays
   * visible to the deployment checks; beside a cluster only it may be "set" (and is dropped).
   */
  REDIS_URL: optional(
    url(['redis', 'rediss'])
      .default(REDIS_DEFAULT_URL)
      .when('REDIS_CLUSTER_NODES', {
        is: Joi.exist(),
        then: Joi.valid(REDIS_DEFAULT_URL).strip().messages({ 'any.only': '"REDIS_URL" and "REDIS_CLUSTER_NODES" exclude each other: set one' }),
      }),
  ),
  REDIS_CLUSTER_NODES: optional(redisClusterNodes()),
  // No braces: a hash tag in the prefix would put every key of the service in one cluster slot.
  REDIS_KEY_PREFIX: Joi.string()
    .pattern(/^[\w:.-]+$/)
    .default('gatehouse:auth:'),
  JWT_PRIVATE_KEY_FILE: optional(Joi.string()),
  JWT_PUBLISHED_PUBLIC_KEY_FILES: stringList().default([]),
  /** JSON `{"keys":[{"file","activateAt"}]}`: scheduled signing keys, instead of JWT_PRIVATE_KEY_FILE. */
  JWT_KEYS_MANIFEST_FILE: optional(Joi.string()),
  /** How long a key is published before it signs: longer than any verifier's key refresh. */
  KEY_PUBLISH_LEAD_SECONDS: positive().default(1800),
  /** The longest a verifier keeps a JWKS; a key stays published this long past its tokens' expiry. */
  VERIFIER_CACHE_SECONDS: positive().default(1200),
  DEV_KEYS_DIR: Joi.string().default('.dev-keys'),
  JWKS_MAX_AGE_SECONDS: positive().max(86_400).default(300),
  /** Signs refresh and CSRF tokens (≥ 32 characters of randomness); generated in DEV_KEYS_DIR for development. */
  SESSION_SECRET: optional(Joi.string().min(32)),
  /**
   * Encrypts TOTP secrets and keys the recovery-code digests: base64 of ≥ 32 random bytes.
   * Required in production; development derives one from SESSION_SECRET. Standard or URL-safe
   * base64, as `openssl rand -base64 32` or a secrets manager writes it.
   */
  MFA_ENCRYPTION_KEY: optional(
    Joi.string()
      .pattern(/^[A-Za-z0-9+/_-]+={0,2}$/)
      .custom((value: string, helpers) => (Buffer.from(value, 'base64').length >= 32 ? value : helpers.error('any.invalid')))
      .messages({
        'any.invalid': '"MFA_ENCRYPTION_KEY" must be the base64 of at least 32 random bytes',
        'string.pattern.base': '"MFA_ENCRYPTION_KEY" must be base64',
      }),
  ),
  /** The name authenticator apps show above the code (otpauth issuer): no colon, which would split the label. */
  MFA_ISSUER: Joi.string()
    .pattern(/^[^:\p{Cc}]{1,64}$/u)
    .default('Gatehouse'),
  /** One-time codes tried per account and window (login, confirmation, removal), counted before checking. */
  MFA_FAILURE_LIMIT: positive().max(100).default(5),
  MFA_FAILURE_WINDOW_SECONDS: positive().default(900),
  /**
   * The WebAuthn relying party: passkeys are bound to this domain (the page's host or a parent of
   * it) and work only on the origins listed. Required in production; development uses localhost.
   * No schema default here or for the origins: `passkeyRelyingParty` fills development's.
   */
  WEBAUTHN_RP_ID: Joi.string().hostname().lowercase(),
  /** The name the browser shows when it asks to create a passkey. */
  WEBAUTHN_RP_NAME: Joi.string()
    .pattern(/^[^\p{Cc}]{1,64}$/u)
    .default('Gatehouse'),
  /** The pages that run the passkey ceremonies (the app's origins), each within WEBAUTHN_RP_ID. */
  WEBAUTHN_ORIGINS: originList(),
  /** Passkeys one account may hold. */
  PASSKEYS_PER_USER_LIMIT: positive().max(100).default(20),
  /** Idle timeout: a refresh token unused this long is dead. */
  REFRESH_TOKEN_TTL_SECONDS: positive().default(604_800),
  /** Absolute session lifetime from login; refresh never extends a session past it. */
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
  /** Refreshes (rotations and grace replays) per session and window. */
  REFRESH_SESSION_LIMIT: positive().default(30),
  REFRESH_SESSION_WINDOW_SECONDS: positive().default(60),
  /** Presentations of refresh tokens we never issued, per client address and window. */
  REFRESH_INVALID_IP_LIMIT: positive().default(30),
  REFRESH_INVALID_IP_WINDOW_SECONDS: positive().default(60),
  /** Per-address limits count an IPv6 client by this prefix. */
  RATE_LIMIT_IPV6_PREFIX_BITS: Joi.number().integer().min(16).max(128).default(64),
  REGISTER_IP_LIMIT: positive().default(20),
  REGISTER_IP_WINDOW_SECONDS: positive().default(3600),
  BOOTSTRAP_ADMIN_EMAIL: optional(Joi.string().trim().lowercase().email({ tlds: false })),
  BOOTSTRAP_ADMIN_PASSWORD: optional(Joi.string().min(8)),
  /** Public origin of the platform; the confirmation page links back to it. */
  APP_URL: url(['http', 'https']).default('http://localhost:8080'),
  /** Where users sign in: the platform's web app, which the pages' "Continue" links to. Default: APP_URL. */
  SIGN_IN_URL: url(['http', 'https']).default(Joi.ref('APP_URL')),
  EMAIL_VERIFICATION_TTL_SECONDS: positive().default(86_400),
  /** Resend requests per window, counted separately per email digest and per client address. */
  RESEND_VERIFICATION_LIMIT: positive().default(3),
  RESEND_VERIFICATION_WINDOW_SECONDS: positive().default(3600),
  VERIFY_EMAIL_IP_LIMIT: positive().default(30),
  VERIFY_EMAIL_IP_WINDOW_SECONDS: positive().default(60),
  /** How long an emailed password-reset link works. */
  PASSWORD_RESET_TTL_SECONDS: positive().max(86_400).default(1800),
  /** Reset requests per window, counted per client address and (silently) per email digest. */
  PASSWORD_FORGOT_LIMIT: positive().default(5),
  PASSWORD_FORGOT_WINDOW_SECONDS: positive().default(3600),
  /** Register answers 202 whether or not the address has an account; the owner gets a notice. */
  REGISTRATION_CONCEALS_EXISTING: flag().default(false),
  // A service asks for a token once per lifetime (minutes), not per request: these leave room for
  // a fleet restarting at once while keeping a flood off PostgreSQL and the signing key.
  /** Token requests (client credentials) per client address and window, counted before any work. */
  TOKEN_IP_LIMIT: positive().default(300),
  TOKEN_IP_WINDOW_SECONDS: positive().default(60),
  /** Tokens per authenticated client and window. */
  TOKEN_CLIENT_LIMIT: positive().default(120),
  TOKEN_CLIENT_WINDOW_SECONDS: positive().default(60),
  /** Space-separated: the scopes admins may grant to OAuth clients (published as scopes_supported). */
  OAUTH_SCOPES: scopeList().default('users:read users:write'),
  /**
   * How many OAuth clients may exist at once. The admin list returns every client in one page;
   * this keeps it (and the attack surface) small.
   */
  OAUTH_CLIENTS_LIMIT: positive().max(10_000).default(100),
  /**
   * Audit records older than this many days are pruned. prune_audit_log (migration 0008) refuses
   * less than the floor in audit_log_settings, which only the migration role can lower: recent
   * records outlive a compromised service.
   */
  AUDIT_RETENTION_DAYS: Joi.number().integer().min(7).max(36_500).default(90),
};

export type AuthConfig = ConfigOf<typeof authConfigFields>;

export const authConfigSchema = configSchema(authConfigFields)
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
