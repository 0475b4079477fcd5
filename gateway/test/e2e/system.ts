import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dropDatabase, withDatabase } from '@gatehouse/db';
import { connect as amqpConnect } from 'amqplib';
import { deleteConsumerQueue } from '@gatehouse/events';
import { createTestRedisPrefix, testInfrastructure, uniqueName } from '@gatehouse/testing';

const ROOT = resolve(__dirname, '..', '..', '..');

/** The consumer queues the system's services declare (prefix `<name>.<service>`), at default attempts. */
const CONSUMER_QUEUES = [
  'auth.user-deleted',
  'user.profile-events',
  'notification.user-registered',
  'notification.password-reset-requested',
  'notification.security-notice',
];
const DEFAULT_MAX_ATTEMPTS = 5;

/** Removes what the system's services declared on the broker: its exchange and its queues. */
async function deleteExchangeAndQueues(exchange: string, name: string): Promise<void> {
  const connection = await amqpConnect(testInfrastructure().amqpUrl);
  try {
    const channel = await connection.createChannel();
    for (const queue of CONSUMER_QUEUES) await deleteConsumerQueue(channel, `${name}.${queue}`, DEFAULT_MAX_ATTEMPTS);
    await channel.deleteExchange(exchange);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** A free loopback port (the OS picks it; we release it for the child to bind). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface RunningProcess {
  readonly name: string;
  readonly url: string;
  /** Its management port: `/healthz`, `/readyz`, `/metrics`. */
  readonly managementUrl: string;
  readonly output: () => string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
}

async function waitReady(name: string, managementUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited during start:\n${output()}`);
    try {
      if ((await fetch(`${managementUrl}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} was not ready within 20 s:\n${output()}`);
}

async function startOneProcess(name: string, entry: string, env: Record<string, string>, chosenPort?: number): Promise<RunningProcess> {
  const port = chosenPort ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const managementPort = await freePort();
  const managementUrl = `http://127.0.0.1:${managementPort}`;
  const child = spawn(process.execPath, [join(ROOT, entry)], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const output = () => log;
  await waitReady(name, managementUrl, child, output);
  return {
    name,
    url,
    managementUrl,
    output,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done(child.exitCode);
        child.once('exit', (code) => done(code));
        child.kill('SIGTERM');
      }),
  };
}

export interface SystemOptions {
  /** Extra environment for every process (e.g. the OTEL_* variables), under the per-process settings. */
  readonly env?: Record<string, string>;
  readonly auth?: Record<string, string>;
  readonly gateway?: Record<string, string>;
  readonly user?: Record<string, string>;
  /** The gateway's port, for settings that must name its origin (CORS_ORIGINS); a free one otherwise. */
  readonly gatewayPort?: number;
  /** Where the notification service delivers mail; without it, it writes files. */
  readonly smtpUrl?: string;
  /** The broker URL auth uses (e.g. a proxy the test can cut); the real broker otherwise. */
  readonly authAmqpUrl?: string;
  /** Also start a second auth and a second gateway (gateway2 → auth2) on the same infrastructure. */
  readonly replicas?: boolean;
}

export interface System {
  readonly gateway: RunningProcess;
  readonly auth: RunningProcess;
  readonly user: RunningProcess;
  readonly notification: RunningProcess;
  /** With `replicas`: the second auth and the gateway in front of it. */
  readonly replica?: { readonly auth: RunningProcess; readonly gateway: RunningProcess };
  /** The topic exchange this system's events travel on (its own, per test file). */
  readonly exchange: string;
  readonly admin: { email: string; password: string };
  /** Where the auth process keeps its generated signing key (to forge tokens with the real key). */
  readonly keysDir: string;
  /** Stops everything and asserts nothing; returns each process's exit code. */
  stop(): Promise<Record<string, number | null>>;
}

/**
 * The whole system as separate processes, built from `dist/` (run `tsc -b` first, as `npm test`
 * does), against the test PostgreSQL and Redis with databases and a key prefix of its own.
 */
export async function startSystem(label: string, options: SystemOptions = {}): Promise<System> {
  const infra = testInfrastructure();
  const name = uniqueName(label);
  const exchange = `gh_e2e.${name}`;
  const events = (prefix: string) => ({ AMQP_URL: infra.amqpUrl, EVENTS_EXCHANGE: exchange, EVENTS_QUEUE_PREFIX: `${name}.${prefix}` });
  const startProcess: typeof startOneProcess = (processName, entry, env, port) => startOneProcess(processName, entry, { ...options.env, ...env }, port);
  const gatewayPort = options.gatewayPort ?? (await freePort());
  const mailDir = await mkdtemp(join(tmpdir(), 'gh-e2e-mail-'));
  const notificationDb = withDatabase(infra.postgresUrl, `gh_e2e_${name}_notification`);
  const authDb = withDatabase(infra.postgresUrl, `gh_e2e_${name}_auth`);
  const userDb = withDatabase(infra.postgresUrl, `gh_e2e_${name}_user`);
  const redis = createTestRedisPrefix(`e2e_${label}`);
  const keysDir = await mkdtemp(join(tmpdir(), 'gh-e2e-keys-'));
  const admin = { email: `admin.${name}@example.com`, password: 'an admin passphrase for e2e' };

  const authEnv: Record<string, string> = {
    DATABASE_URL: authDb,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: redis.prefix,
    DEV_KEYS_DIR: keysDir,
    BCRYPT_COST: '4',
    TRUST_PROXY_HOPS: '1',
    BOOTSTRAP_ADMIN_EMAIL: admin.email,
    BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    APP_URL: `http://127.0.0.1:${gatewayPort}`,
    ...events('auth'),
    ...(options.authAmqpUrl ? { AMQP_URL: options.authAmqpUrl } : {}),
    ...options.auth,
  };
  const auth = await startProcess('auth', 'services/auth/dist/main.js', authEnv);
  const user = await startProcess('user', 'services/user/dist/main.js', {
    DATABASE_URL: userDb,
    JWKS_URL: `${auth.url}/.well-known/jwks.json`,
    TRUST_PROXY_HOPS: '1',
    ...events('user'),
    ...options.user,
  });
  const notification = await startProcess('notification', 'services/notification/dist/main.js', {
    DATABASE_URL: notificationDb,
    APP_URL: `http://127.0.0.1:${gatewayPort}`,
    MAIL_DIR: mailDir,
    EVENT_RETRY_BASE_DELAY_MS: '200',
    ...events('notification'),
    ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}),
  });
  const gateway = await startProcess(
    'gateway',
    'gateway/dist/main.js',
    {
      AUTH_SERVICE_URL: auth.url,
      USER_SERVICE_URL: user.url,
      JWKS_URL: `${auth.url}/.well-known/jwks.json`,
      ...events('gateway'),
      ...options.gateway,
    },
    gatewayPort,
  );
  let replica: System['replica'];
  if (options.replicas) {
    const auth2 = await startProcess('auth2', 'services/auth/dist/main.js', authEnv);
    const gateway2 = await startProcess('gateway2', 'gateway/dist/main.js', {
      AUTH_SERVICE_URL: auth2.url,
      USER_SERVICE_URL: user.url,
      JWKS_URL: `${auth2.url}/.well-known/jwks.json`,
      ...events('gateway'),
      ...options.gateway,
    });
    replica = { auth: auth2, gateway: gateway2 };
  }
  return {
    gateway,
    auth,
    user,
    notification,
    replica,
    exchange,
    admin,
    keysDir,
    async stop() {
      const codes: Record<string, number | null> = {};
      const replicas = replica ? [replica.gateway, replica.auth] : [];
      for (const p of [...replicas, gateway, notification, user, auth]) codes[p.name] = await p.stop();
      await Promise.allSettled([
        dropDatabase(authDb),
        dropDatabase(userDb),
        dropDatabase(notificationDb),
        redis.cleanup(),
        deleteExchangeAndQueues(exchange, name),
        rm(keysDir, { recursive: true, force: true }),
        rm(mailDir, { recursive: true, force: true }),
      ]);
      return codes;
    },
  };
}
