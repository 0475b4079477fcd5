import { createPool, withTransaction } from '@gatehouse/db';
import { createLogger } from '@gatehouse/logger';
import { captureLogs, createTestDatabase, uniqueName, type TestDatabase } from '@gatehouse/testing';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import {
  createAmqpConnection,
  createEvent,
  createOutboxRelay,
  insertOutboxEvent,
  outboxMigrationSql,
  outboxTraceContextMigrationSql,
  type AmqpConnection,
  type AnyEvent,
  type OutboxRelay,
  type OutboxRelayOptions,
} from '../src';
import { eventually, openBrokerProbe, startBrokerProxy, type BrokerProbe, type BrokerProxy } from './broker-fixtures';

const exchange = uniqueName('outbox_exchange');
const queue = uniqueName('outbox_probe');
const logs = captureLogs();
const logger = createLogger({ service: 'events-test', level: 'debug', destination: logs.stream });
let database: TestDatabase;
let pool: Pool;
let probe: BrokerProbe;
let proxy: BrokerProxy;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  database = await createTestDatabase('events_outbox');
  pool = createPool({ url: database.url, applicationName: 'events-test' });
  await pool.query(outboxMigrationSql);
  await pool.query(outboxTraceContextMigrationSql);
  probe = await openBrokerProbe();
  await probe.bindQueue(queue, exchange, ['#']);
  proxy = await startBrokerProxy();
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  await probe.channel.purgeQueue(queue);
  await pool.query('DELETE FROM outbox');
});

afterAll(async () => {
  await proxy.close();
  await probe.close({ queues: [queue], exchanges: [exchange] });
  await pool.end();
  await database.drop();
});

/** A relay on its own connection, stopped after the test; `pollIntervalMs` long unless given. */
async function startRelay(
  url: string,
  pollIntervalMs = 60_000,
  retention: Pick<OutboxRelayOptions, 'retentionMs' | 'pruneIntervalMs'> = {},
): Promise<{ relay: OutboxRelay; connection: AmqpConnection }> {
  const connection = createAmqpConnection({ url, logger, name: 'relay-test', reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 200 });
  await connection.waitUntilConnected(5000);
  const relay = createOutboxRelay({ pool, connection, exchange, logger, pollIntervalMs, ...retention });
  await relay.start();
  cleanups.push(async () => {
    await relay.stop();
    await connection.close();
  });
  return { relay, connection };
}

const deleted = () => createEvent('user.deleted', { userId: randomUUID() });

async function commitEvents(events: readonly AnyEvent[]): Promise<void> {
  await withTransaction(pool, async (client) => {
    for (const event of events) await insertOutboxEvent(client, event);
  });
}

/** A relay that is never started and has no broker: it only prunes. */
const pruningRelay = (options: Pick<OutboxRelayOptions, 'retentionMs' | 'pruneBatchSize'>) =>
  createOutboxRelay({ pool, connection: { channel: () => undefined, onConnected: async () => undefined }, exchange, logger, ...options });

/** Moves one timestamp of a row `interval` into the past, as if time had passed. */
async function age(event: AnyEvent, column: 'created_at' | 'published_at', interval: string): Promise<void> {
  await pool.query(`UPDATE outbox SET ${column} = now() - $2::interval WHERE event_id = $1`, [event.id, interval]);
}

const storedIds = async () => (await pool.query<{ event_id: string }>('SELECT event_id FROM outbox ORDER BY position')).rows.map((r) => r.event_id);

const pendingCount = async () => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')).rows[0]!.n);

describe('outbox relay', () => {
  it('when an event commits with its change, then NOTIFY wakes the relay, the event is published and the row marked', async () => {
    await startRelay(proxy.url);
    const event = deleted();

    await commitEvents([event]);

    const [message] = await probe.take(queue, 1, 3000);
    expect(message && JSON.parse(message.content.toString())).toEqual(event);
    expect(message?.fields.routingKey).toBe('user.deleted');
    expect(message?.properties.messageId).toBe(event.id);
    expect(await eventually(async () => (await pendingCount()) === 0)).toBe(true);
  });

  it('when the transaction rolls back, then its event is never published', async () => {
    await startRelay(proxy.url);
    const client = await pool.connect();
    await client.query('BEGIN');
    await insertOutboxEvent(client, deleted());
    await client.query('ROLLBACK');
    client.release();
    const event = deleted();

    await commitEvents([event]);

    const messages = await probe.take(queue, 2, 1000);
    expect(messages.map((m) => (JSON.parse(m.content.toString()) as AnyEvent).id)).toEqual([event.id]);
  });

  it('when an event breaks its contract, then it cannot enter the outbox', async () => {
    const client = await pool.connect();
    try {
      const invalid = { ...deleted(), payload: { userId: 'not-a-uuid' } } as AnyEvent;
      await expect(insertOutboxEvent(client, invalid)).rejects.toThrow(/userId/);
    } finally {
      client.release();
    }
    expect(await pendingCount()).toBe(0);
  });

  it('when two relays run side by side, then each row is published exactly once', async () => {
    const first = await startRelay(proxy.url);
    const second = await startRelay(proxy.url);
    const events = Array.from({ length: 60 }, deleted);

    for (let i = 0; i < events.length; i += 6) await commitEvents(events.slice(i, i + 6));
    await Promise.all([first.relay.drain(), second.relay.drain()]);

    const messages = await probe.take(queue, events.length, 5000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const ids = [...messages, ...(await probe.take(queue, 0, 0))].map((m) => (JSON.parse(m.content.toString()) as AnyEvent).id);
    expect(ids).toHaveLength(events.length);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
    expect(await pendingCount()).toBe(0);
  });

  it('when the broker connection is cut, then rows stay pending and leave once it reconnects', async () => {
    const { connection } = await startRelay(proxy.url, 100);
    await proxy.cut();
    expect(await eventually(() => !connection.isConnected(), 3000)).toBe(true);
    const events = [deleted(), deleted()];

    await commitEvents(events);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await pendingCount()).toBe(2);
    await proxy.heal();

    expect(await eventually(() => connection.isConnected(), 5000)).toBe(true);
    const messages = await probe.take(queue, 2, 5000);
    expect(messages.map((m) => (JSON.parse(m.content.toString()) as AnyEvent).id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(await eventually(async () => (await pendingCount()) === 0)).toBe(true);
  });
});

describe('outbox retention', () => {
  it('when a published row is older than the retention, then prune deletes it and keeps younger and pending rows', async () => {
    const [expired, recent, pending] = [deleted(), deleted(), deleted()];
    await commitEvents([expired, recent, pending]);
    await age(expired, 'published_at', '2 hours');
    await age(recent, 'published_at', '10 minutes');
    await age(pending, 'created_at', '2 days');

    const pruned = await pruningRelay({ retentionMs: 60 * 60 * 1000 }).prune();

    expect(pruned).toBe(1);
    expect(await storedIds()).toEqual([recent.id, pending.id]);
  });

  it('when the retention is 0, then pending rows are still never deleted', async () => {
    const events = [deleted(), deleted()];
    await commitEvents(events);
    await age(events[0]!, 'created_at', '30 days');

    expect(await pruningRelay({ retentionMs: 0 }).prune()).toBe(0);
    expect(await pendingCount()).toBe(2);
  });

  it('when more rows expired than one batch holds, then one prune deletes them all, batch by batch', async () => {
    const events = Array.from({ length: 7 }, deleted);
    await commitEvents(events);
    await pool.query("UPDATE outbox SET published_at = now() - interval '2 hours'");

    expect(await pruningRelay({ retentionMs: 60 * 60 * 1000, pruneBatchSize: 3 }).prune()).toBe(7);
    expect(await storedIds()).toEqual([]);
  });

  it('when a running relay has a retention of 0, then its timer deletes a row soon after publishing it', async () => {
    await startRelay(proxy.url, 60_000, { retentionMs: 0, pruneIntervalMs: 50 });
    const event = deleted();

    await commitEvents([event]);

    expect(await probe.take(queue, 1, 3000)).toHaveLength(1);
    expect(await eventually(async () => (await storedIds()).length === 0, 3000)).toBe(true);
  });
});
