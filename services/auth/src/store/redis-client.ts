import Redis, { Cluster } from 'ioredis';
import type { RedisClusterNodes } from '../config';

/**
 * What every auth store talks to: one Redis server or a Redis Cluster. Both take the same
 * commands; on a cluster each command (and each script, see `defineScript`) goes to the node
 * that owns its keys' slot, so a call touches keys of one hash tag only (see redis-keys.ts).
 */
export type RedisClient = Redis | Cluster;

export type RedisTarget = { readonly url: string } | { readonly cluster: RedisClusterNodes };

/** A Redis that accepts the connection but never answers must not hold requests for ever. */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

/**
 * The service's client: every key under `keyPrefix`, and fail fast instead of queueing, so a
 * request during an outage answers 503 and does not hang. The prefix goes in front of the whole
 * key, so it must hold no brace: the hash tag has to be the key's own.
 */
export function createRedisClient(target: RedisTarget, keyPrefix: string): RedisClient {
  if (/[{}]/.test(keyPrefix)) throw new Error(`The Redis key prefix "${keyPrefix}" holds a brace: it would make every key one cluster hash tag`);
  if ('url' in target) {
    return new Redis(target.url, { keyPrefix, maxRetriesPerRequest: 2, enableOfflineQueue: false, commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
  }
  const { nodes, tls, username, password } = target.cluster;
  // Fail fast here too: nothing waits for a cluster that is not ready, and a node that stops
  // answering times out as a single server does.
  return new Cluster(
    nodes.map((node) => ({ ...node })),
    {
      keyPrefix,
      enableOfflineQueue: false,
      redisOptions: { username, password, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, ...(tls ? { tls: {} } : {}) },
    },
  );
}

/** Resolves once the client can take commands (a cluster: once it knows who owns each slot). */
export function whenReady(client: RedisClient): Promise<void> {
  return new Promise((ready, fail) => {
    client.once('ready', ready);
    client.once('end', () => fail(new Error('Redis connection closed before it was ready')));
  });
}
