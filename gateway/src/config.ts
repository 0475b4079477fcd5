import Joi from 'joi';
import {
  baseServiceKeys,
  brokerKeys,
  configSchema,
  flag,
  loadConfig,
  oneOf,
  originList,
  positiveInt,
  tokenClaimsKeys,
  url,
  type ConfigOf,
} from '@gatehouse/config';

const positive = positiveInt;
const DEFAULT_AUTH_URL = 'http://127.0.0.1:4001';

/** Comma-separated path prefixes (`/api/admin,/api/user/billing`), compared as the policy compares paths: lower case. */
const pathPrefixes = () =>
  Joi.string<string[]>().custom((raw: string, helpers) => {
    const prefixes = raw
      .split(',')
      .map((p) => p.trim().toLowerCase())
      .map((p) => (p.length > 1 ? p.replace(/\/+$/, '') : p))
      .filter((p) => p.length > 0);
    const bad = prefixes.find((p) => !/^(\/(?!\.\.?(\/|$))[a-z0-9._~-]+)+$/.test(p));
    return bad === undefined ? prefixes : helpers.message({ custom: `"${bad}" is not a path prefix such as /api/admin` });
  });

const gatewayConfigFields = {
  ...baseServiceKeys(8080),
  ...tokenClaimsKeys(),
  AUTH_SERVICE_URL: url(['http', 'https']).default(DEFAULT_AUTH_URL),
  USER_SERVICE_URL: url(['http', 'https']).default('http://127.0.0.1:4002'),
  /** Filled in by `loadGatewayConfig` from AUTH_SERVICE_URL when not set. */
  JWKS_URL: url(['http', 'https']),
  JWT_CLOCK_TOLERANCE_SECONDS: Joi.number().integer().min(0).max(60).default(30),
  JWKS_REFETCH_COOLDOWN_MS: positive().default(30_000),
  JWKS_REFRESH_INTERVAL_MS: positive().default(300_000),
  /** `cached` (default), `uncached` (every request pays a signature check) or `off` (benchmarks only). */
  JWT_VERIFY_MODE: oneOf('cached', 'uncached', 'off')
    .default('cached')
    .when('NODE_ENV', { is: 'production', then: Joi.invalid('off').messages({ 'any.invalid': '"JWT_VERIFY_MODE" cannot be "off" in production' }) }),
  CORS_ORIGINS: originList().default('http://localhost:3000,http://localhost:8080'),
  UPSTREAM_TIMEOUT_MS: positive().max(120_000).default(10_000),
  UPSTREAM_CONNECT_TIMEOUT_MS: positive().max(60_000).default(2000),
  UPSTREAM_MAX_SOCKETS: positive().max(10_000).default(256),
  BODY_LIMIT_BYTES: positive()
    .max(10 * 1024 * 1024)
    .default(16_384),
  ...brokerKeys(),
  /**
   * Serves the SDK's reference page at `/example/` (development only; `npm start` sets it). A
   * demo page served from the source tree has no place at a production edge.
   */
  EXAMPLE_APP: flag()
    .default(false)
    .when('NODE_ENV', { is: 'production', then: Joi.invalid(true).messages({ 'any.invalid': '"EXAMPLE_APP" cannot be true in production' }) }),
  /**
   * Paths below these need a token whose `amr` holds a second factor (`otp`, `hwk`, `swk`), else
   * 403 `mfa_required`; e.g. `/api/admin`. Each must lie below a path the gateway authenticates.
   */
  MFA_REQUIRED_PREFIXES: pathPrefixes().default([]),
};

export type GatewayConfig = ConfigOf<typeof gatewayConfigFields>;

export type JwtVerifyMode = GatewayConfig['JWT_VERIFY_MODE'];

export const gatewayConfigSchema = configSchema(gatewayConfigFields);

/** Validates the gateway's environment once; JWKS_URL defaults to the auth service's. */
export function loadGatewayConfig(env: Record<string, string | undefined>): Readonly<GatewayConfig> {
  const authUrl = env.AUTH_SERVICE_URL || DEFAULT_AUTH_URL;
  const withJwks = { ...env, JWKS_URL: env.JWKS_URL || `${authUrl.replace(/\/+$/, '')}/.well-known/jwks.json` };
  return loadConfig('gateway', gatewayConfigSchema, withJwks);
}

/**
 * How long a revoked user or session stays refused. A token issued at the moment of the
 * revocation is accepted until its `exp` plus the clock tolerance, so the entry must live that
 * long; derived rather than configured, so it cannot fall behind a longer token lifetime.
 */
export function revocationTtlSeconds(config: Pick<GatewayConfig, 'ACCESS_TOKEN_TTL_SECONDS' | 'JWT_CLOCK_TOLERANCE_SECONDS'>): number {
  return config.ACCESS_TOKEN_TTL_SECONDS + config.JWT_CLOCK_TOLERANCE_SECONDS;
}
