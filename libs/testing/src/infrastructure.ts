import { Client } from 'pg';
import Redis from 'ioredis';
import { connect as amqpConnect } from 'amqplib';
import { infrastructureImages } from './images';

export interface Infrastructure {
  readonly postgresUrl: string;
  readonly redisUrl: string;
  readonly amqpUrl: string;
}

export interface ResolvedInfrastructure extends Infrastructure {
  /** Stops whatever Testcontainers started; a no-op for services we found running. */
  stop(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

const LOCAL = {
  postgres: ['postgres://postgres@127.0.0.1:5432/postgres', 'postgres://root@127.0.0.1:5432/postgres'],
  redis: 'redis://127.0.0.1:6379',
  amqp: 'amqp://guest:guest@127.0.0.1:5672',
};

const HOW_TO_START = {
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  redis:
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
  amqp: 'rabbitmq-server -detached',
};

async function postgresReachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
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
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
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
    const connection = await amqpConnect(url, { timeout: 2000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

type Stopper = () => Promise<void>;

async function withTestcontainers<T>(what: keyof typeof HOW_TO_START, envName: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    throw new Error(
      `${what} is not reachable on its local default port, ${envName} is not set, and Testcontainers ` +
        `could not start a container (${(error as Error).message.split('\n')[0]}).\n` +
        `Start the local service:  ${HOW_TO_START[what]}\n` +
        `or point the tests at one:  export ${envName}=<url>\n` +
        'or run the tests where a Docker engine is available.',
      { cause: error },
    );
  }
}

/**
 * Finds PostgreSQL, Redis and RabbitMQ for the tests, in this order: the URL in the environment
 * (`TEST_POSTGRES_URL`, `TEST_REDIS_URL`, `TEST_AMQP_URL`), the machine's default local port, a
 * Testcontainers container. Fails with the command to run when none is there: a suite never
 * skips because a service is missing.
 */
export async function resolveInfrastructure(env: Env = process.env): Promise<ResolvedInfrastructure> {
  const stoppers: Stopper[] = [];

  const resolvePostgres = async (): Promise<string> => {
    if (env.TEST_POSTGRES_URL) return env.TEST_POSTGRES_URL;
    for (const url of LOCAL.postgres) if (await postgresReachable(url)) return url;
    return withTestcontainers('postgres', 'TEST_POSTGRES_URL', async () => {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer(infrastructureImages.postgres).start();
      stoppers.push(async () => void (await container.stop()));
      return withDatabaseName(container.getConnectionUri(), 'postgres');
    });
  };
  const resolveRedis = async (): Promise<string> => {
    if (env.TEST_REDIS_URL) return env.TEST_REDIS_URL;
    if (await redisReachable(LOCAL.redis)) return LOCAL.redis;
    return withTestcontainers('redis', 'TEST_REDIS_URL', async () => {
      const { RedisContainer } = await import('@testcontainers/redis');
      const container = await new RedisContainer(infrastructureImages.redis).start();
      stoppers.push(async () => void (await container.stop()));
      return container.getConnectionUrl();
    });
  };
  const resolveAmqp = async (): Promise<string> => {
    if (env.TEST_AMQP_URL) return env.TEST_AMQP_URL;
    if (await amqpReachable(LOCAL.amqp)) return LOCAL.amqp;
    return withTestcontainers('amqp', 'TEST_AMQP_URL', async () => {
      const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
      const container = await new RabbitMQContainer(infrastructureImages.rabbitmq).start();
      stoppers.push(async () => void (await container.stop()));
      return container.getAmqpUrl();
    });
  };

  const stop = async () => {
    await Promise.all(stoppers.map((s) => s()));
  };
  try {
    const [postgresUrl, redisUrl, amqpUrl] = await Promise.all([resolvePostgres(), resolveRedis(), resolveAmqp()]);
    return { postgresUrl, redisUrl, amqpUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

const ENV_KEYS = {
  postgresUrl: 'GATEHOUSE_TEST_POSTGRES_URL',
  redisUrl: 'GATEHOUSE_TEST_REDIS_URL',
  amqpUrl: 'GATEHOUSE_TEST_AMQP_URL',
} as const;

/** Hands the resolved URLs to Jest workers (they inherit the environment of the global setup). */
export function exportInfrastructure(infra: Infrastructure): void {
  for (const [field, key] of Object.entries(ENV_KEYS)) process.env[key] = infra[field as keyof Infrastructure];
}

/** Inside a test file: the infrastructure the global setup found. */
export function testInfrastructure(): Infrastructure {
  const missing = Object.values(ENV_KEYS).filter((key) => !process.env[key]);
  if (missing.length > 0) {
    throw new Error(`The Jest global setup did not run (${missing.join(', ')} unset). Run tests with \`npm test\`.`);
  }
  return {
    postgresUrl: process.env[ENV_KEYS.postgresUrl]!,
    redisUrl: process.env[ENV_KEYS.redisUrl]!,
    amqpUrl: process.env[ENV_KEYS.amqpUrl]!,
  };
}
