#!/usr/bin/env node
/**
 * P6: registration accepted (201 received) → confirmation email received by an SMTP server run
 * by this bench, through the outbox, relay, RabbitMQ and the notification service.
 * Usage: node bench/email-latency.js [registrations=200] [per-second]; without a rate, four
 * clients register back to back (a burst). Prints p50/p99/worst and JSON.
 */
/* global fetch -- Node 20 built-in (undici) */
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const amqp = require('amqplib');
// Built by `tsc -b`, which `npm run bench` runs first.
const { deleteConsumerQueue } = require('@gatehouse/events');
const { SMTPServer } = require('smtp-server');
const { startService, stopService } = require('./lib/processes');

const COUNT = Number(process.argv[2] ?? 200);
const RATE = process.argv[3] ? Number(process.argv[3]) : undefined;
const CONCURRENCY = RATE ? 1 : 4;
const PG = 'postgres://postgres@127.0.0.1:5432';
const tag = `gh_bench_mail_${process.pid}`;

/** Deletes the exchange and the consumer queues (auth's and notification's) this run declared. */
async function deleteBrokerObjects() {
  const connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  const channel = await connection.createChannel();
  for (const queue of ['notification.user-registered', 'auth.user-deleted']) await deleteConsumerQueue(channel, `${tag}.${queue}`, 5);
  await channel.deleteExchange(tag);
  await connection.close();
}

async function dropDatabases() {
  const client = new Client({ connectionString: `${PG}/postgres` });
  await client.connect();
  for (const db of [`${tag}_auth`, `${tag}_notification`]) await client.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await client.end();
}

function startSmtp(onMail) {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    // No reverse DNS of the client per connection: this machine has no resolver to ask.
    disableReverseLookup: true,
    logger: false,
    onData(stream, session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        for (const rcpt of session.envelope.rcptTo) onMail(rcpt.address, performance.now());
        callback();
      });
    },
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main() {
  const logDir = mkdtempSync(path.join(tmpdir(), 'gh-bench-mail-'));
  const received = new Map();
  const smtp = await startSmtp((to, at) => received.set(to, at));
  const smtpUrl = `smtp://127.0.0.1:${smtp.server.address().port}`;
  const events = (prefix) => ({ AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', EVENTS_EXCHANGE: tag, EVENTS_QUEUE_PREFIX: `${tag}.${prefix}` });
  const services = [];
  try {
    services.push(
      await startService({
        name: 'auth',
        entry: 'services/auth/dist/main.js',
        logDir,
        env: {
          DATABASE_URL: `${PG}/${tag}_auth`,
          REDIS_KEY_PREFIX: `${tag}:`,
          BCRYPT_COST: '4',
          DEV_KEYS_DIR: logDir,
          REGISTER_IP_LIMIT: '100000',
          LOG_LEVEL: 'warn',
          ...events('auth'),
        },
      }),
    );
    services.push(
      await startService({
        name: 'notification',
        entry: 'services/notification/dist/main.js',
        logDir,
        env: { DATABASE_URL: `${PG}/${tag}_notification`, SMTP_URL: smtpUrl, LOG_LEVEL: 'warn', ...events('notification') },
      }),
    );
    const auth = services[0].url;
    const accepted = new Map();
    const register = async (i) => {
      const email = `bench.${i}.${tag}@example.com`;
      const response = await fetch(`${auth}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'a bench passphrase' }),
      });
      if (response.status !== 201) throw new Error(`register ${response.status}: ${await response.text()}`);
      accepted.set(email, performance.now());
    };
    for (let i = 0; i < 20; i++) await register(`warmup${i}`);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < COUNT) {
          const due = started + (next * 1000) / (RATE ?? Infinity);
          if (RATE) await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
          await register(next++);
        }
      }),
    );
    const registrationSeconds = (performance.now() - started) / 1000;
    const deadline = Date.now() + 30_000;
    const measured = () => [...accepted.keys()].filter((e) => !e.startsWith('bench.warmup') && received.has(e));
    while (measured().length < COUNT && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const latencies = measured()
      .map((e) => received.get(e) - accepted.get(e))
      .sort((a, b) => a - b);
    const result = {
      registrations: COUNT,
      registrationsPerSecond: COUNT / registrationSeconds,
      delivered: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      worstMs: latencies[latencies.length - 1],
    };
    process.stdout.write(
      `P6 email latency over ${COUNT} registrations: delivered ${result.delivered}, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, worst ${result.worstMs.toFixed(1)} ms (targets p50 < 250 ms, p99 < 1 s); registrations sent at ${result.registrationsPerSecond.toFixed(0)}/s\n`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (result.delivered !== COUNT) process.exitCode = 1;
  } finally {
    for (const service of services.reverse()) await stopService(service);
    smtp.close();
    if (!process.env.BENCH_KEEP) await dropDatabases().catch(() => undefined);
    await deleteBrokerObjects().catch(() => undefined);
    rmSync(logDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
