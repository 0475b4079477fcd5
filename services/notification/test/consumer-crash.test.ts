import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { connect } from 'amqplib';
import { createEvent, deleteConsumerQueue, publishEvent } from '@gatehouse/events';
import { createTestDatabase, startSmtpCapture, testInfrastructure, uniqueName, type SmtpCapture, type TestDatabase } from '@gatehouse/testing';
import { notificationQueues } from '../src/app';

const ENTRY = resolve(__dirname, '..', 'dist', 'main.js');
const name = uniqueName('crash');
const exchange = `gh_test.${name}`;
const prefix = `${name}.notification`;

let smtp: SmtpCapture;
let database: TestDatabase;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  database = await createTestDatabase('notification_crash');
});
afterAll(async () => {
  const connection = await connect(testInfrastructure().amqpUrl);
  const channel = await connection.createChannel();
  for (const queue of Object.values(notificationQueues(prefix))) await deleteConsumerQueue(channel, queue, 5);
  await channel.deleteExchange(exchange);
  await connection.close();
  await database.drop();
  await smtp.close();
});

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The real service as its own process, so that killing it is a real crash. */
async function startNotification(): Promise<ChildProcess> {
  const port = await freePort();
  const managementPort = await freePort();
  const child = spawn(process.execPath, [ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      DATABASE_URL: database.url,
      AMQP_URL: testInfrastructure().amqpUrl,
      EVENTS_EXCHANGE: exchange,
      EVENTS_QUEUE_PREFIX: prefix,
      SMTP_URL: smtp.url,
    },
    stdio: 'ignore',
  });
  await until('the notification service to be ready', async () => {
    if (child.exitCode !== null) throw new Error(`notification exited with ${child.exitCode}`);
    return fetch(`http://127.0.0.1:${managementPort}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
  });
  // Ready no longer waits for the broker (the outbox covers an outage): wait for the consumer itself,
  // or an event published now would find no queue bound yet.
  await until('the consumer to subscribe', async () => {
    const probe = await connect(testInfrastructure().amqpUrl);
    probe.on('error', () => undefined);
    try {
      const channel = await probe.createChannel();
      // A queue not declared yet closes the channel with 404: expected while waiting, not an error.
      channel.on('error', () => undefined);
      const { consumerCount } = await channel.checkQueue(`${prefix}.user-registered`);
      return consumerCount > 0;
    } catch {
      return false;
    } finally {
      await probe.close().catch(() => undefined);
    }
  });
  return child;
}

describe('a consumer killed before it acknowledges', () => {
  it('when the process dies mid-send, then the redelivered event yields exactly one email', async () => {
    let first = await startNotification();
    const address = `crash.${Date.now()}@example.com`;
    smtp.hold(true);

    const connection = await connect(testInfrastructure().amqpUrl);
    const channel = await connection.createConfirmChannel();
    const event = createEvent('user.registered', {
      userId: randomUUID(),
      email: address,
      name: null,
      verificationToken: randomBytes(32).toString('base64url'),
      verificationExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await publishEvent(channel, exchange, event);
    await connection.close();

    // The email is at the SMTP server, not yet accepted: the consumer has not acked.
    await until('the message to reach the SMTP server', () => smtp.held() === 1);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await new Promise((r) => setTimeout(r, 200));
    smtp.hold(false);
    expect(smtp.received.filter((m) => m.to.includes(address))).toHaveLength(0);

    first = await startNotification();
    try {
      await until('the redelivered email', () => smtp.received.some((m) => m.to.includes(address)));
      await new Promise((r) => setTimeout(r, 500));
      expect(smtp.received.filter((m) => m.to.includes(address))).toHaveLength(1);
    } finally {
      first.kill('SIGTERM');
      await new Promise((r) => first.once('exit', r));
    }
  });
});
