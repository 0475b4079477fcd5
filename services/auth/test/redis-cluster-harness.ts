import { randomBytes } from 'node:crypto';
import Redis, { Cluster } from 'ioredis';
import { createPool, migrate } from '@gatehouse/db';
import { consumerQueueNames, createAmqpConnection, deleteConsumerQueue } from '@gatehouse/events';
import { createLogger } from '@gatehouse/logger';
import {
  captureLogs,
  createTestDatabase,
  endPool,
  serveOnFreePort,
  startRedisCluster,
  testInfrastructure,
  uniqueName,
  type RedisCluster,
} from '@gatehouse/testing';
import { createApp, type AuthApp } from '../src/app';
import { loadAuthConfig, type AuthConfig } from '../src/config';
import { staticKeyRing } from '../src/crypto/key-ring';
import { createBcryptPasswordHasher } from '../src/crypto/bcrypt-password-hasher';
import { MIGRATIONS_DIR } from '../src/infrastructure';
import { createRedisClient } from '../src/store/redis-client';
import { newSigningKeys } from './auth-harness';

/** The auth service on a Redis Cluster of its own, connected as production connects to one. */
export interface ClusterAuthHarness {
  readonly url: string;
  readonly config: Readonly<AuthConfig>;
  readonly auth: AuthApp;
  readonly cluster: RedisCluster;
  /** The test's own cluster client, with the service's key prefix. */
  readonly redis: Cluster;
  /** A plain connection to each master, e.g. to see which node holds a key or to MONITOR it. */
  masters(): Redis[];
  /** Moves the injected clock forward. */
  advance(ms: number): void;
  now(): number;
  close(): Promise<void>;
}

/**
 * Like `startAuth`, but Redis is a fresh 3-master cluster from the local redis-server (started
 * here, stopped on close) and the service reaches it through REDIS_CLUSTER_NODES.
 */
export async function startAuthOnCluster(label: string, env: Record<string, string> = {}): Promise<ClusterAuthHarness> {
  const cluster = await startRedisCluster();
  const infra = testInfrastructure();
  const database = await createTestDatabase(`auth_${label}`);
  const config = loadAuthConfig({
    BCRYPT_COST: '4',
    LOG_LEVEL: 'debug',
    REDIS_CLUSTER_NODES: cluster.nodeList,
    REDIS_KEY_PREFIX: `gh_test:${uniqueName(label)}:`,
    DATABASE_URL: database.url,
    AMQP_URL: infra.amqpUrl,
    EVENTS_EXCHANGE: uniqueName(`auth_${label}_events`),
    EVENTS_QUEUE_PREFIX: uniqueName(`auth_${label}`),
    ...env,
  });
  const pool = createPool({ url: database.url, applicationName: 'auth-cluster-test' });
  await migrate(pool, MIGRATIONS_DIR);
  const serviceRedis = createRedisClient({ cluster: config.REDIS_CLUSTER_NODES! }, config.REDIS_KEY_PREFIX);
  const redis = new Cluster([...cluster.nodes], { keyPrefix: config.REDIS_KEY_PREFIX });
  await Promise.all([serviceRedis, redis].map((client) => new Promise((ready) => client.once('ready', ready))));
  const masters = cluster.nodes.map((node) => new Redis(node));
  const logger = createLogger({ service: 'auth', level: 'debug', destination: captureLogs().stream });
  const connection = createAmqpConnection({ url: config.AMQP_URL, logger, name: 'auth-cluster-test' });
  await connection.waitUntilConnected(5000);
  let offset = 0;
  const auth = createApp(config, {
    pool,
    redis: serviceRedis,
    keys: staticKeyRing(newSigningKeys()),
    sessionSecret: randomBytes(32).toString('base64url'),
    logger,
    hasher: await createBcryptPasswordHasher(config.BCRYPT_COST),
    connection,
    clock: () => Date.now() + offset,
  });
  await auth.start();
  const server = await serveOnFreePort(auth.app);
  return {
    url: server.url,
    config,
    auth,
    cluster,
    redis,
    masters: () => masters,
    advance: (ms) => void (offset += ms),
    now: () => Date.now() + offset,
    async close() {
      await server.close();
      await auth.stop();
      const channel = connection.channel()!;
      await deleteConsumerQueue(
        channel,
        consumerQueueNames(`${config.EVENTS_QUEUE_PREFIX}.user-deleted`, config.EVENT_MAX_ATTEMPTS).queue,
        config.EVENT_MAX_ATTEMPTS,
      );
      await channel.deleteExchange(config.EVENTS_EXCHANGE);
      await connection.close();
      for (const client of [serviceRedis, redis, ...masters]) client.disconnect();
      await endPool(pool);
      await database.drop();
      await cluster.stop();
    },
  };
}
