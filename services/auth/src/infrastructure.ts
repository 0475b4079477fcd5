import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Pool } from 'pg';
import { openServiceDatabase } from '@gatehouse/db';
import { createAmqpConnection, type AmqpConnection } from '@gatehouse/events';
import type { Logger } from '@gatehouse/logger';
import type { AuthConfig } from './config';
import { ensureDevSessionSecret, ensureDevSigningKey, loadKeySet, publicJwk } from './crypto/signing-keys';
import { createKeyRing, keyTimings, staticKeyRing, type KeyRing } from './crypto/key-ring';
import { loadKeyManifest } from './crypto/key-manifest';
import { createRedisClient, whenReady, type RedisClient, type RedisTarget } from './store/redis-client';

export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

export { REDIS_COMMAND_TIMEOUT_MS } from './store/redis-client';

export interface AuthInfrastructure {
  readonly pool: Pool;
  readonly redis: RedisClient;
  readonly keys: KeyRing;
  readonly sessionSecret: string;
  readonly connection: AmqpConnection;
  close(): Promise<void>;
}

async function signingKeys(config: Readonly<AuthConfig>, logger: Logger): Promise<KeyRing> {
  if (config.JWT_KEYS_MANIFEST_FILE) {
    const extra = await Promise.all(config.JWT_PUBLISHED_PUBLIC_KEY_FILES.map(async (f) => publicJwk(createPublicKey(await readFile(f, 'utf8')))));
    return createKeyRing(await loadKeyManifest(config.JWT_KEYS_MANIFEST_FILE), keyTimings(config), extra);
  }
  if (config.JWT_PRIVATE_KEY_FILE) return staticKeyRing(await loadKeySet(config.JWT_PRIVATE_KEY_FILE, config.JWT_PUBLISHED_PUBLIC_KEY_FILES));
  // Production refuses to start without a key (config); development makes its own once.
  const file = resolve(config.DEV_KEYS_DIR, 'jwt-signing-key.pem');
  if (await ensureDevSigningKey(file)) logger.warn({ file }, 'generated a development signing key');
  return staticKeyRing(await loadKeySet(file, config.JWT_PUBLISHED_PUBLIC_KEY_FILES));
}

async function sessionSecret(config: Readonly<AuthConfig>, logger: Logger): Promise<string> {
  if (config.SESSION_SECRET) return config.SESSION_SECRET;
  // Production refuses to start without one (config); development makes its own once.
  const file = resolve(config.DEV_KEYS_DIR, 'session-secret');
  if (await ensureDevSessionSecret(file)) logger.warn({ file }, 'generated a development session secret');
  return (await readFile(file, 'utf8')).trim();
}

/** The config allows exactly one of the two. */
function redisTarget(config: Readonly<AuthConfig>): RedisTarget {
  if (config.REDIS_CLUSTER_NODES) return { cluster: config.REDIS_CLUSTER_NODES };
  if (config.REDIS_URL) return { url: config.REDIS_URL };
  throw new Error('Neither REDIS_URL nor REDIS_CLUSTER_NODES is configured');
}

/**
 * Connects to PostgreSQL (creating and migrating the database when the config says so), Redis and
 * the broker, and loads keys. The broker may still be starting: the connection keeps retrying,
 * registrations wait in the outbox, and the broker gauge and logs report it meanwhile.
 */
export async function connectInfrastructure(config: Readonly<AuthConfig>, logger: Logger): Promise<AuthInfrastructure> {
  const pool = await openServiceDatabase(config, { applicationName: 'gatehouse-auth', migrationsDirectory: MIGRATIONS_DIR, logger });
  const redis = createRedisClient(redisTarget(config), config.REDIS_KEY_PREFIX);
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  // A cluster reports a lost node here, and refreshes its slot map on its own.
  redis.on('node error', (error, node) => logger.warn({ err: error, node }, 'redis cluster node error'));
  await whenReady(redis);
  const keys = await signingKeys(config, logger);
  const secret = await sessionSecret(config, logger);
  const schedule = keys.schedule(Date.now());
  logger.info(
    { plan: schedule.plan.map((entry) => ({ kid: entry.key.signing.kid, state: entry.state, activateAt: entry.key.activateAt })), problems: schedule.problems },
    'signing keys loaded',
  );
  if (schedule.problems.length > 0) logger.error({ problems: schedule.problems }, 'the signing key schedule has problems');
  const connection = createAmqpConnection({ url: config.AMQP_URL, logger, name: 'gatehouse-auth', queueType: config.EVENTS_QUEUE_TYPE });
  return {
    pool,
    redis,
    keys,
    sessionSecret: secret,
    connection,
    async close() {
      await connection.close();
      await Promise.allSettled([pool.end(), redis.quit()]);
    },
  };
}
