import { HOW_TO_START, isReachable, startContainer, type ServiceKind } from './local-services';

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

type Stopper = () => Promise<void>;

async function withTestcontainers(what: ServiceKind, envName: string, stoppers: Stopper[]): Promise<string> {
  try {
    const container = await startContainer(what);
    stoppers.push(container.stop);
    return container.url;
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
    for (const url of LOCAL.postgres) if (await isReachable.postgres(url)) return url;
    return withTestcontainers('postgres', 'TEST_POSTGRES_URL', stoppers);
  };
  const resolveRedis = async (): Promise<string> => {
    if (env.TEST_REDIS_URL) return env.TEST_REDIS_URL;
    if (await isReachable.redis(LOCAL.redis)) return LOCAL.redis;
    return withTestcontainers('redis', 'TEST_REDIS_URL', stoppers);
  };
  const resolveAmqp = async (): Promise<string> => {
    if (env.TEST_AMQP_URL) return env.TEST_AMQP_URL;
    if (await isReachable.amqp(LOCAL.amqp)) return LOCAL.amqp;
    return withTestcontainers('amqp', 'TEST_AMQP_URL', stoppers);
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
