import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { testInfrastructure } from '../src/infrastructure';

const START = join(__dirname, '..', '..', '..', 'scripts', 'start.js');

type Env = Record<string, string | undefined>;
interface StartProcess {
  readonly name: string;
  readonly database?: string;
}
/** scripts/lib/processes.js: CommonJS outside the TypeScript projects, so loaded untyped. */
const { PROCESSES, environmentOf } = createRequire(__filename)('../../../scripts/lib/processes') as {
  PROCESSES: readonly StartProcess[];
  environmentOf(p: StartProcess, infrastructure: { env: Env; databaseServer?: string }, env: Env): Env;
};

/** A loopback port where nothing listens: bound once by the OS, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs `npm start`'s script to its end; Docker points where no engine is, so it cannot fall back to containers. */
async function runStart(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const docker = `tcp://127.0.0.1:${await closedPort()}`;
  const child = spawn(process.execPath, [START], { env: { PATH: process.env.PATH ?? '', DOCKER_HOST: docker, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

describe('npm start without its servers', () => {
  it('when nothing listens where PostgreSQL, Redis and RabbitMQ should be and Docker is absent, then it exits 1 with one message naming them and how to start them', async () => {
    const [postgres, redis, amqp] = await Promise.all([closedPort(), closedPort(), closedPort()]);

    const { code, stdout, stderr } = await runStart({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${postgres}/gatehouse_auth`,
      REDIS_URL: `redis://127.0.0.1:${redis}`,
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${amqp}`,
    });

    expect(code).toBe(1);
    expect(stderr).toContain('npm start needs PostgreSQL, Redis and RabbitMQ. Not answering:');
    expect(stderr).toContain(`PostgreSQL at postgres://postgres@127.0.0.1:${postgres}/postgres`);
    expect(stderr).toContain(`Redis at redis://127.0.0.1:${redis}`);
    expect(stderr).toContain(`RabbitMQ at amqp://guest:***@127.0.0.1:${amqp}`);
    expect(stderr).toContain('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start');
    expect(stderr).toContain('rabbitmq-server -detached');
    expect(stderr).toContain('docker compose up -d postgres redis rabbitmq');
    expect(stderr).toContain('REDIS_URL=redis://host:port and AMQP_URL=amqp://user:password@host:port name the servers;');
    expect(stderr).toContain(
      "DATABASE_URL=postgres://user:password@host:port/any names the PostgreSQL server: npm start replaces the\n  database in it with each service's own (gatehouse_auth, gatehouse_user, gatehouse_notification)",
    );
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stdout).not.toContain('listening');
  });

  it('when only Redis is missing, then the message names Redis alone', async () => {
    const infra = testInfrastructure();
    const redis = await closedPort();

    const { code, stderr } = await runStart({ DATABASE_URL: infra.postgresUrl, REDIS_URL: `redis://127.0.0.1:${redis}`, AMQP_URL: infra.amqpUrl });

    expect(code).toBe(1);
    expect(stderr).toContain(`Redis at redis://127.0.0.1:${redis}`);
    expect(stderr).toContain('redis-server --daemonize yes');
    expect(stderr).not.toMatch(/PostgreSQL at|RabbitMQ at|pg_ctlcluster|rabbitmq-server/);
  });
});

describe('npm start with a DATABASE_URL', () => {
  const databaseUrlOf = (name: string, infrastructure: { env: Env; databaseServer?: string }, env: Env) =>
    environmentOf(
      PROCESSES.find((p) => p.name === name)!,
      infrastructure,
      env,
    ).DATABASE_URL;

  it('when .env sets one DATABASE_URL, then each service gets its own database on that server, with the same role and options', () => {
    const env = { DATABASE_URL: 'postgres://dev:secret@db.internal:5433/gatehouse?sslmode=require' };

    const urls = ['auth', 'user', 'notification'].map((name) => databaseUrlOf(name, { env: {} }, env));

    expect(urls).toEqual([
      'postgres://dev:secret@db.internal:5433/gatehouse_auth?sslmode=require',
      'postgres://dev:secret@db.internal:5433/gatehouse_user?sslmode=require',
      'postgres://dev:secret@db.internal:5433/gatehouse_notification?sslmode=require',
    ]);
  });

  it('when PostgreSQL runs in a container, then its server wins over DATABASE_URL, again one database per service', () => {
    const container = { env: {}, databaseServer: 'postgres://test:test@127.0.0.1:32768/test' };

    expect(databaseUrlOf('user', container, { DATABASE_URL: 'postgres://dev@db.internal/gatehouse' })).toBe(
      'postgres://test:test@127.0.0.1:32768/gatehouse_user',
    );
  });

  it('when nothing names a server, then the services keep their own defaults, and the gateway never gets a database of its own', () => {
    expect(['auth', 'user', 'notification', 'gateway'].map((name) => databaseUrlOf(name, { env: {} }, {}))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(new Set(PROCESSES.flatMap((p) => p.database ?? [])).size).toBe(3);
  });
});
