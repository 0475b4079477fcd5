import { join, resolve } from 'node:path';
import type { Pool } from 'pg';
import Redis from 'ioredis';
import { createPool, ensureDatabase, migrate } from '@gatehouse/db';
import { createAmqpConnection, type AmqpConnection } from '@gatehouse/events';
import type { Logger } from '@gatehouse/logger';
import type { AuthConfig } from './config';
import { ensureDevSigningKey, loadKeySet, type KeySet } from './crypto/signing-keys';

export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

export interface AuthInfrastructure {
  readonly pool: Pool;
  readonly redis: Redis;
  readonly keys: KeySet;
  readonly connection: AmqpConnection;
  close(): Promise<void>;
}

async function signingKeys(config: Readonly<AuthConfig>, logger: Logger): Promise<KeySet> {
  if (config.JWT_PRIVATE_KEY_FILE) return loadKeySet(config.JWT_PRIVATE_KEY_FILE, config.JWT_PUBLISHED_PUBLIC_KEY_FILES);
  // Production refuses to start without a key (config); development makes its own once.
  const file = resolve(config.DEV_KEYS_DIR, 'jwt-signing-key.pem');
  if (await ensureDevSigningKey(file)) logger.warn({ file }, 'generated a development signing key');
  return loadKeySet(file, config.JWT_PUBLISHED_PUBLIC_KEY_FILES);
}

/**
 * Connects to PostgreSQL (creating and migrating the database), Redis and the broker, and loads
 * keys. The broker may still be starting: the connection keeps retrying, registrations wait in
 * the outbox and `/readyz` reports the broker meanwhile.
 */
export async function connectInfrastructure(config: Readonly<AuthConfig>, logger: Logger): Promise<AuthInfrastructure> {
  await ensureDatabase(config.DATABASE_URL);
  const pool = createPool({
    url: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE, applicationName: 'gatehouse-auth',
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection lost'),
  });
  const { applied } = await migrate(pool, MIGRATIONS_DIR);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  const redis = new Redis(config.REDIS_URL, { keyPrefix: config.REDIS_KEY_PREFIX, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  await new Promise<void>((ready, fail) => {
    redis.once('ready', ready);
    redis.once('end', () => fail(new Error('Redis connection closed before it was ready')));
  });
  const keys = await signingKeys(config, logger);
  logger.info({ kid: keys.signing.kid, algorithm: keys.signing.algorithm, published: keys.jwks.keys.map((k) => k.kid) }, 'signing keys loaded');
  const connection = createAmqpConnection({ url: config.AMQP_URL, logger, name: 'gatehouse-auth' });
  return {
    pool,
    redis,
    keys,
    connection,
    async close() {
      await connection.close();
      await Promise.allSettled([pool.end(), redis.quit()]);
    },
  };
}
