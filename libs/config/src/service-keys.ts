import Joi, { type ObjectSchema } from 'joi';
import { flag, logLevel, nodeEnv, port, url } from './config-types';
import { optional, type ConfigOf } from './typed-config';

export const positiveInt = () => Joi.number().integer().min(1);

/**
 * Sharing the API's port would publish the probes and metrics again, so the two must differ.
 * Port 0 (tests) is exempt: each bind of it gets its own free port. The default is a string so
 * that `loadConfig` validates it like a set value (Joi passes defaults through unchecked).
 */
const managementPort = () =>
  port()
    .default('9090')
    .when('PORT', { not: 0, then: port().invalid(Joi.ref('PORT')) })
    .messages({ 'any.invalid': '"MANAGEMENT_PORT" must differ from PORT' });

/** What every Gatehouse process reads: environment, logging, listen address, proxies, shutdown. */
export function baseServiceKeys(defaultPort: number) {
  return {
    NODE_ENV: nodeEnv(),
    LOG_LEVEL: logLevel(),
    HOST: Joi.string().default('0.0.0.0'),
    PORT: port().default(defaultPort),
    /** Serves `/metrics`, `/healthz` and `/readyz`, apart from the API so they are never public. */
    MANAGEMENT_PORT: managementPort(),
    /** How many reverse proxies may set X-Forwarded-For; 0 trusts none. */
    TRUST_PROXY_HOPS: Joi.number().integer().min(0).max(10).default(0),
    SHUTDOWN_TIMEOUT_MS: positiveInt().default(10_000),
  };
}

export type BaseServiceConfig = ConfigOf<ReturnType<typeof baseServiceKeys>>;

/** On unless NODE_ENV=production: what a laptop wants at boot and a cluster must not do. */
const developmentOnly = () => flag().when('NODE_ENV', { is: 'production', then: flag().default(false), otherwise: flag().default(true) });

/** A service's own PostgreSQL database, on the local server by default. */
export function databaseKeys(defaultDatabase: string) {
  return {
    DATABASE_URL: url(['postgres', 'postgresql']).default(`postgres://postgres@127.0.0.1:5432/${defaultDatabase}`),
    DATABASE_POOL_SIZE: positiveInt().max(100).default(10),
    /** Create the database when it is missing: a development convenience, off in production. */
    DATABASE_CREATE: developmentOnly(),
    /** Apply migrations at boot; off in production, where a migrate Job runs them with DDL rights. */
    MIGRATE_ON_BOOT: developmentOnly(),
    /** The services' login role, which the migrate entrypoint grants data rights (and no DDL) to. */
    DATABASE_RUNTIME_ROLE: optional(Joi.string().pattern(/^[A-Za-z_][\w$-]{0,62}$/)),
  };
}

export type DatabaseConfig = ConfigOf<ReturnType<typeof databaseKeys>>;

const MIGRATION_KEYS = ['NODE_ENV', 'LOG_LEVEL', 'DATABASE_URL', 'DATABASE_CREATE', 'DATABASE_RUNTIME_ROLE'] as const;

const migrationTimeouts = {
  /** Per migration statement; absent or 0: none (libs/db's default), unlike the services' 10 s. */
  MIGRATION_STATEMENT_TIMEOUT_MS: optional(Joi.number().integer().min(0)),
  /** How long a migration statement waits for a table lock; absent: libs/db's default (10 s). */
  MIGRATION_LOCK_TIMEOUT_MS: optional(Joi.number().integer().min(0)),
};

/** What the migrate-only entrypoint reads. */
export type MigrationConfig = Pick<BaseServiceConfig, 'NODE_ENV' | 'LOG_LEVEL'> &
  Pick<DatabaseConfig, 'DATABASE_URL' | 'DATABASE_CREATE' | 'DATABASE_RUNTIME_ROLE'> &
  ConfigOf<typeof migrationTimeouts>;

/**
 * The migration keys of a service's schema, with that service's defaults, and the migrations'
 * own time limits. A migrate Job then needs only its database settings, not the service's
 * secrets, which its full schema requires.
 */
export function migrationConfigSchema(serviceSchema: ObjectSchema): ObjectSchema<MigrationConfig> {
  return Joi.object<MigrationConfig>({
    ...Object.fromEntries(MIGRATION_KEYS.map((key) => [key, serviceSchema.extract(key)])),
    ...migrationTimeouts,
  });
}

/**
 * What access tokens carry and how long they live; signer and verifiers must agree. Verifiers
 * derive how long a revocation must be remembered from the lifetime, so it is one shared key.
 */
export function tokenClaimsKeys() {
  return {
    JWT_ISSUER: Joi.string().default('gatehouse'),
    JWT_AUDIENCE: Joi.string().default('gatehouse-api'),
    ACCESS_TOKEN_TTL_SECONDS: positiveInt().max(3600).default(900),
  };
}

export type TokenClaimsConfig = ConfigOf<ReturnType<typeof tokenClaimsKeys>>;

export function outboxKeys() {
  return {
    /**
     * How long a published outbox row is kept. Payloads can hold one-time secrets (raw
     * verification tokens), so rows go soon after they have left; 0 deletes them at the next pass.
     */
    OUTBOX_RETENTION_SECONDS: Joi.number().integer().min(0).default(3600),
  };
}

export type OutboxConfig = ConfigOf<ReturnType<typeof outboxKeys>>;

export function processedEventsKeys() {
  return {
    /**
     * How long a consumer remembers the ids it has applied. It must outlast every redelivery of
     * an event (retries, a relay republishing after a crash), hence the floor of one hour.
     */
    PROCESSED_EVENTS_RETENTION_SECONDS: Joi.number()
      .integer()
      .min(3600)
      .default(7 * 24 * 3600),
  };
}

export type ProcessedEventsConfig = ConfigOf<ReturnType<typeof processedEventsKeys>>;
