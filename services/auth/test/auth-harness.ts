import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createPool } from '@gatehouse/db';
import { migrate } from '@gatehouse/db';
import { createLogger } from '@gatehouse/logger';
import {
  consumerQueueNames,
  createAmqpConnection,
  declareExchange,
  deleteConsumerQueue,
  publishEvent,
  type AmqpConnection,
  type AnyEvent,
  type EventEnvelope,
  type EventName,
} from '@gatehouse/events';
import {
  captureLogs,
  createTestDatabase,
  createTestRedisPrefix,
  serveOnFreePort,
  setCookies,
  testInfrastructure,
  uniqueName,
  type SetCookie,
  endPool,
} from '@gatehouse/testing';
import { createApp, type AuthApp } from '../src/app';
import { loadAuthConfig, type AuthConfig } from '../src/config';
import { keySetFromPem, type KeySet } from '../src/crypto/signing-keys';
import { staticKeyRing, type KeyRing } from '../src/crypto/key-ring';
import { createBcryptPasswordHasher } from '../src/crypto/bcrypt-password-hasher';
import { MIGRATIONS_DIR, REDIS_COMMAND_TIMEOUT_MS } from '../src/infrastructure';
import type { Pool } from 'pg';
import type { PasswordHasher } from '../src/domain/auth.ports';

export interface AuthHarness {
  readonly url: string;
  readonly config: Readonly<AuthConfig>;
  readonly pool: Pool;
  readonly redis: Redis;
  readonly keys: KeySet;
  readonly auth: AuthApp;
  readonly logs: ReturnType<typeof captureLogs>;
  readonly events: EventCapture;
  /** Moves the injected clock forward. */
  advance(ms: number): void;
  /** The injected clock: the service's time, in ms. */
  now(): number;
  close(): Promise<void>;
}

/** Every event published on the test's exchange, read from a queue bound to all routing keys. */
export interface EventCapture {
  named<N extends EventName>(name: N): EventEnvelope<N>[];
  /** Publishes straight to the exchange, as another service would (and redeliveries do). */
  publish(event: AnyEvent): Promise<void>;
}

async function captureEvents(connection: AmqpConnection, exchange: string): Promise<EventCapture & { close(): Promise<void> }> {
  const channel = connection.channel()!;
  await declareExchange(channel, exchange);
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, '#');
  const received: AnyEvent[] = [];
  const { consumerTag } = await channel.consume(queue, (message) => message && received.push(JSON.parse(message.content.toString()) as AnyEvent), {
    noAck: true,
  });
  return {
    named: <N extends EventName>(name: N) => received.filter((event): event is EventEnvelope<N> & AnyEvent => event.name === name) as EventEnvelope<N>[],
    publish: (event) => publishEvent(channel, exchange, event),
    async close() {
      await channel.cancel(consumerTag);
      await channel.deleteQueue(queue);
    },
  };
}

export function newSigningKeys(): KeySet {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return keySetFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
}

export interface StartAuthOptions {
  /** Wraps the real bcrypt hasher, e.g. to count or pause verifications. */
  readonly hasher?: (real: PasswordHasher) => PasswordHasher;
  /** TCP proxies (libs/testing `startTcpProxy`) the service's own connections go through. */
  readonly via?: { readonly postgres?: { readonly url: string }; readonly redis?: { readonly url: string } };
  /** Scheduled signing keys instead of the one in-memory key (`keys` then describes that one only). */
  readonly keyRing?: KeyRing;
}

/** `url` with the host and port of `proxyUrl`: the same database or Redis, through the proxy. */
function through(url: string, proxyUrl: string | undefined): string {
  if (!proxyUrl) return url;
  const target = new URL(url);
  const proxy = new URL(proxyUrl);
  target.hostname = proxy.hostname;
  target.port = proxy.port;
  return target.toString();
}

/**
 * A real auth service for one test file: its own database, its own Redis prefix, real bcrypt
 * (low cost, for speed) and an in-memory signing key. `env` overrides configuration.
 */
export async function startAuth(label: string, env: Record<string, string> = {}, options: StartAuthOptions = {}): Promise<AuthHarness> {
  const infra = testInfrastructure();
  const database = await createTestDatabase(`auth_${label}`);
  const redisPrefix = createTestRedisPrefix(`auth_${label}`);
  const config = loadAuthConfig({
    BCRYPT_COST: '4',
    LOG_LEVEL: 'debug',
    REDIS_KEY_PREFIX: redisPrefix.prefix,
    DATABASE_URL: database.url,
    REDIS_URL: infra.redisUrl,
    AMQP_URL: infra.amqpUrl,
    EVENTS_EXCHANGE: uniqueName(`auth_${label}_events`),
    EVENTS_QUEUE_PREFIX: uniqueName(`auth_${label}`),
    EVENT_RETRY_BASE_DELAY_MS: '20',
    ...env,
  });
  const pool = createPool({ url: database.url, applicationName: 'auth-test' });
  await migrate(pool, MIGRATIONS_DIR);
  const redis = new Redis(infra.redisUrl, { keyPrefix: config.REDIS_KEY_PREFIX });
  const servicePool = options.via?.postgres ? createPool({ url: through(database.url, options.via.postgres.url), applicationName: 'auth-test-proxied' }) : pool;
  // As the service connects in production (infrastructure.ts): fail fast instead of queueing.
  const serviceRedis = options.via?.redis
    ? new Redis(through(infra.redisUrl, options.via.redis.url), {
        keyPrefix: config.REDIS_KEY_PREFIX,
        maxRetriesPerRequest: 2,
        enableOfflineQueue: false,
        commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      })
    : redis;
  serviceRedis.on('error', () => undefined);
  if (serviceRedis !== redis) await new Promise((ready) => serviceRedis.once('ready', ready));
  const keys = newSigningKeys();
  const logs = captureLogs();
  const logger = createLogger({ service: 'auth', level: 'debug', destination: logs.stream });
  const connection = createAmqpConnection({ url: config.AMQP_URL, logger, name: 'auth-test' });
  await connection.waitUntilConnected(5000);
  // Straight to the broker, so a test that cuts the service's link still sees and cleans up.
  const observer = createAmqpConnection({ url: infra.amqpUrl, logger, name: 'auth-test-observer' });
  await observer.waitUntilConnected(5000);
  const events = await captureEvents(observer, config.EVENTS_EXCHANGE);
  let offset = 0;
  const bcrypt = await createBcryptPasswordHasher(config.BCRYPT_COST);
  const auth = createApp(config, {
    pool: servicePool,
    redis: serviceRedis,
    keys: options.keyRing ?? staticKeyRing(keys),
    sessionSecret: randomBytes(32).toString('base64url'),
    logger,
    hasher: options.hasher ? options.hasher(bcrypt) : bcrypt,
    connection,
    clock: () => Date.now() + offset,
  });
  await auth.start();
  const server = await serveOnFreePort(auth.app);
  return {
    url: server.url,
    config,
    pool,
    redis,
    keys,
    auth,
    logs,
    events,
    advance: (ms) => {
      offset += ms;
    },
    now: () => Date.now() + offset,
    async close() {
      await server.close();
      await auth.stop();
      await connection.close();
      await events.close();
      const channel = observer.channel()!;
      await deleteConsumerQueue(
        channel,
        consumerQueueNames(`${config.EVENTS_QUEUE_PREFIX}.user-deleted`, config.EVENT_MAX_ATTEMPTS).queue,
        config.EVENT_MAX_ATTEMPTS,
      );
      await channel.deleteExchange(config.EVENTS_EXCHANGE);
      await observer.close();
      await redisPrefix.cleanup();
      redis.disconnect();
      if (serviceRedis !== redis) serviceRedis.disconnect();
      if (servicePool !== pool) await endPool(servicePool);
      await endPool(pool);
      await database.drop();
    },
  };
}

/** A browser-like client: keeps the cookies the service sets and echoes the CSRF token. */
export class Client {
  readonly jar = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    private readonly defaults: Record<string, string> = {},
  ) {}

  async post(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return this.request('POST', path, body, headers);
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...this.defaults,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    this.store(setCookies(response));
    return response;
  }

  private store(cookies: Record<string, SetCookie>): void {
    for (const cookie of Object.values(cookies)) {
      if (cookie.attributes['max-age'] === '0' || cookie.value === '') this.jar.delete(cookie.name);
      else this.jar.set(cookie.name, cookie.value);
    }
  }

  csrf(): string {
    return this.jar.get('__Host-csrf_token') ?? this.jar.get('csrf_token') ?? '';
  }

  refreshToken(): string | undefined {
    return this.jar.get('__Secure-refresh_token') ?? this.jar.get('refresh_token');
  }

  /** Refresh the way a page does: cookie plus the CSRF header. */
  refresh(extra: Record<string, string> = {}): Promise<Response> {
    return this.post('/api/auth/refresh', undefined, { 'x-csrf-token': this.csrf(), ...extra });
  }

  logout(extra: Record<string, string> = {}): Promise<Response> {
    return this.post('/api/auth/logout', undefined, { 'x-csrf-token': this.csrf(), ...extra });
  }
}

let counter = 0;
/** A unique email for one test. */
export function email(label = 'user'): string {
  counter += 1;
  return `${label}.${counter}.${Date.now()}@example.com`;
}

export { eventually } from '@gatehouse/testing';

export const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

export const PASSWORD = 'correct horse battery staple';

export async function registerAndLogin(harness: AuthHarness, address = email()): Promise<{ client: Client; body: LoginBody; email: string }> {
  const client = new Client(harness.url);
  const registered = await client.post('/api/auth/register', { email: address, password: PASSWORD });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
  const response = await client.post('/api/auth/login', { email: address, password: PASSWORD });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return { client, body: (await response.json()) as LoginBody, email: address };
}

export interface LoginBody {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  csrfToken: string;
  user: { id: string; email: string; name: string | null; roles: string[]; emailVerified: boolean };
}
