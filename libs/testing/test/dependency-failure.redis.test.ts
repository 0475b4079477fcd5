import { once } from 'node:events';
import Redis, { type RedisOptions } from 'ioredis';
import { isDependencyFailure } from '@gatehouse/http';
import { createTestRedisPrefix, eventually, startTcpProxy, testInfrastructure, type TcpProxy } from '../src';

/** The error `promise` rejects with; fails the test when it resolves. */
const rejectionOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

const keys = createTestRedisPrefix('dependency_failure_redis');
/** As the auth service configures its client: bounded retries, no queueing while disconnected. */
const options: RedisOptions = { keyPrefix: keys.prefix, maxRetriesPerRequest: 2, enableOfflineQueue: false };

async function connect(url: string, extra: RedisOptions = {}): Promise<{ redis: Redis; events: unknown[] }> {
  const redis = new Redis(url, { ...options, ...extra });
  const events: unknown[] = [];
  redis.on('error', (error: unknown) => events.push(error));
  await once(redis, 'ready');
  return { redis, events };
}

afterAll(() => keys.cleanup());

describe('isDependencyFailure with an ioredis client configured like auth', () => {
  let proxy: TcpProxy;
  let redis: Redis;
  let events: unknown[];
  beforeEach(async () => {
    proxy = await startTcpProxy(testInfrastructure().redisUrl);
    ({ redis, events } = await connect(proxy.url));
  });
  afterEach(async () => {
    redis.disconnect();
    await proxy.close();
  });

  it('when the connection is cut during a command, then MaxRetriesPerRequestError is a dependency failure', async () => {
    const command = rejectionOf(redis.blpop('never-filled', 5));
    await new Promise((resolve) => setTimeout(resolve, 200));

    await proxy.cut();
    const error = await command;

    expect(error).toMatchObject({ name: 'MaxRetriesPerRequestError' });
    expect(isDependencyFailure(error)).toBe(true);
  });

  it('when the server refuses connections, then commands fail with a dependency failure and so do the reconnect errors', async () => {
    await proxy.cut();
    expect(await eventually(() => redis.status !== 'ready')).toBe(true);

    const error = await rejectionOf(redis.get('any'));
    expect(await eventually(() => events.length > 0)).toBe(true);

    expect(error).toMatchObject({ message: "Stream isn't writeable and enableOfflineQueue options is false" });
    expect(isDependencyFailure(error)).toBe(true);
    expect(events[0]).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isDependencyFailure(events[0])).toBe(true);
  });

  it('when the connection is reset, then the reconnect error ECONNRESET is a dependency failure', async () => {
    await proxy.cut({ reset: true });

    const reset = () => events.find((e) => (e as { code?: string }).code === 'ECONNRESET');
    expect(await eventually(() => reset() !== undefined)).toBe(true);
    expect(isDependencyFailure(reset())).toBe(true);
  });

  it('when the client has closed its connection, then "Connection is closed." is a dependency failure', async () => {
    redis.disconnect();
    await once(redis, 'end');

    const error = await rejectionOf(redis.get('any'));

    expect(error).toMatchObject({ message: 'Connection is closed.' });
    expect(isDependencyFailure(error)).toBe(true);
  });

  it('when commands fail on a healthy server, then they are not dependency failures', async () => {
    await redis.set('a-string', 'value');

    const wrongType = await rejectionOf(redis.lpush('a-string', 'item'));
    const unknown = await rejectionOf(redis.call('NO-SUCH-COMMAND'));

    expect(wrongType).toMatchObject({ name: 'ReplyError', message: expect.stringMatching(/^WRONGTYPE/) });
    expect(unknown).toMatchObject({ name: 'ReplyError' });
    expect(isDependencyFailure(wrongType)).toBe(false);
    expect(isDependencyFailure(unknown)).toBe(false);
  });
});

describe('isDependencyFailure with an ioredis client that bounds each command', () => {
  it('when no reply comes within commandTimeout, then "Command timed out" is a dependency failure', async () => {
    const { redis } = await connect(testInfrastructure().redisUrl, { commandTimeout: 100 });

    const error = await rejectionOf(redis.blpop('never-filled', 2));
    redis.disconnect();

    expect(error).toMatchObject({ message: 'Command timed out' });
    expect(isDependencyFailure(error)).toBe(true);
  });
});

describe('isDependencyFailure with a Redis that cannot serve right now', () => {
  /** Answers every command with one error reply, as a loading replica or a full server does. */
  async function redisAnswering(reply: string): Promise<{ url: string; close(): Promise<void> }> {
    const { createServer } = await import('node:net');
    const server = createServer((socket) => {
      // One reply per command: a chunk may carry several (ioredis pipelines its CLIENT SETINFO).
      socket.on('data', (chunk) => {
        const commands = chunk.toString('latin1').match(/(?:^|\r\n)\*\d+\r\n\$/g)?.length ?? 1;
        socket.write(`-${reply}\r\n`.repeat(commands));
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return { url: `redis://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it.each([
    'LOADING Redis is loading the dataset in memory',
    "READONLY You can't write against a read only replica.",
    "OOM command not allowed when used memory > 'maxmemory'.",
    'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
    'MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.',
  ])('when the server replies %s, then it is a dependency failure', async (reply) => {
    const server = await redisAnswering(reply);
    const redis = new Redis(server.url, { ...options, enableReadyCheck: false, enableOfflineQueue: true, lazyConnect: true });
    redis.on('error', () => undefined);
    try {
      const error = await rejectionOf(redis.set('k', 'v'));
      expect(error).toMatchObject({ name: 'ReplyError', message: reply });
      expect(isDependencyFailure(error)).toBe(true);
    } finally {
      redis.disconnect();
      await server.close();
    }
  });
});
