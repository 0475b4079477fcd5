import { Client } from 'pg';
import Redis from 'ioredis';
import { connect as amqpConnect } from 'amqplib';
import { infrastructureImages } from './images';

/** The three servers every Gatehouse process needs, by the name the code uses. */
export type ServiceKind = 'postgres' | 'redis' | 'amqp';

export const SERVICE_KINDS: readonly ServiceKind[] = ['postgres', 'redis', 'amqp'];

/** What a person calls them, for messages. */
export const SERVICE_LABELS: Readonly<Record<ServiceKind, string>> = { postgres: 'PostgreSQL', redis: 'Redis', amqp: 'RabbitMQ' };

/** How to start each on a Debian machine (the CI image), for messages. */
export const HOW_TO_START: Readonly<Record<ServiceKind, string>> = {
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  redis: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
  amqp: 'rabbitmq-server -detached',
};

/** Their services in docker-compose.yml. */
export const COMPOSE_COMMAND = 'docker compose up -d postgres redis rabbitmq';

const PROBE_TIMEOUT_MS = 2000;

async function postgresReachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisReachable(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: PROBE_TIMEOUT_MS });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function amqpReachable(url: string): Promise<boolean> {
  try {
    const connection = await amqpConnect(url, { timeout: PROBE_TIMEOUT_MS });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

/** Whether the server at `url` answers its own protocol (not merely accepts TCP). */
export const isReachable: Readonly<Record<ServiceKind, (url: string) => Promise<boolean>>> = {
  postgres: postgresReachable,
  redis: redisReachable,
  amqp: amqpReachable,
};

export interface StartedContainer {
  /** For PostgreSQL, the URL of its `postgres` database. */
  readonly url: string;
  stop(): Promise<void>;
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Starts one server in Docker with Testcontainers, from the image pinned in images.ts. */
export async function startContainer(kind: ServiceKind): Promise<StartedContainer> {
  if (kind === 'postgres') {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer(infrastructureImages.postgres).start();
    return { url: withDatabaseName(container.getConnectionUri(), 'postgres'), stop: async () => void (await container.stop()) };
  }
  if (kind === 'redis') {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer(infrastructureImages.redis).start();
    return { url: container.getConnectionUrl(), stop: async () => void (await container.stop()) };
  }
  const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
  const container = await new RabbitMQContainer(infrastructureImages.rabbitmq).start();
  return { url: container.getAmqpUrl(), stop: async () => void (await container.stop()) };
}
