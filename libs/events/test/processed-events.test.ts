import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '@gatehouse/db';
import { createLogger } from '@gatehouse/logger';
import { createTestDatabase, type TestDatabase } from '@gatehouse/testing';
import { createProcessedEvents, createProcessedEventsPruner, processedEventsMigrationSql } from '../src';

let database: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  database = await createTestDatabase('events_processed');
  pool = createPool({ url: database.url, applicationName: 'events-test' });
  await pool.query(processedEventsMigrationSql);
  await pool.query('CREATE TABLE effects (event_id uuid NOT NULL)');
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

const effectCount = async (eventId: string) =>
  Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM effects WHERE event_id = $1', [eventId])).rows[0]!.n);

describe('processed events', () => {
  it('when an id is recorded, then the consumer sees it and recording again reports a duplicate', async () => {
    const log = createProcessedEvents(pool, 'test.consumer');
    const id = randomUUID();
    expect(await log.has(id)).toBe(false);
    expect(await log.record(id)).toBe(true);
    expect(await log.has(id)).toBe(true);
    expect(await log.record(id)).toBe(false);
  });

  it('when two consumers record the same id, then each keeps its own record', async () => {
    const id = randomUUID();
    await createProcessedEvents(pool, 'first').record(id);
    expect(await createProcessedEvents(pool, 'second').has(id)).toBe(false);
  });

  it('when the same event runs through once() concurrently, then its effect applies exactly once', async () => {
    const log = createProcessedEvents(pool, 'test.once');
    const id = randomUUID();
    const apply = () => log.once(id, async (client) => void (await client.query('INSERT INTO effects (event_id) VALUES ($1)', [id])));

    const results = await Promise.all([apply(), apply(), apply()]);

    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await effectCount(id)).toBe(1);
  });

  it('when the effect fails, then nothing is recorded and a later attempt applies it', async () => {
    const log = createProcessedEvents(pool, 'test.fail');
    const id = randomUUID();
    await expect(log.once(id, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await log.has(id)).toBe(false);

    expect(await log.once(id, async (client) => void (await client.query('INSERT INTO effects (event_id) VALUES ($1)', [id])))).toBe(true);
    expect(await effectCount(id)).toBe(1);
  });
});

describe('processed events retention', () => {
  const logger = createLogger({ service: 'events-test', level: 'silent' });
  const ageAll = (consumer: string, interval: string) =>
    pool.query('UPDATE processed_events SET processed_at = now() - $2::interval WHERE consumer = $1', [consumer, interval]);

  it('when ids are older than the retention, then prune forgets them and keeps the recent ones', async () => {
    const log = createProcessedEvents(pool, 'test.retention');
    const [old, recent] = [randomUUID(), randomUUID()];
    await log.record(old);
    await ageAll('test.retention', '8 days');
    await log.record(recent);

    const pruned = await createProcessedEventsPruner({ pool, logger }).prune();

    expect(pruned).toBe(1);
    expect(await log.has(old)).toBe(false);
    expect(await log.has(recent)).toBe(true);
  });

  it('when more ids expired than one batch holds, then one prune deletes them all, batch by batch', async () => {
    const log = createProcessedEvents(pool, 'test.retention.batches');
    const ids = Array.from({ length: 5 }, () => randomUUID());
    for (const id of ids) await log.record(id);
    await ageAll('test.retention.batches', '2 hours');

    const pruned = await createProcessedEventsPruner({ pool, logger, retentionMs: 60 * 60 * 1000, batchSize: 2 }).prune();

    expect(pruned).toBe(5);
    for (const id of ids) expect(await log.has(id)).toBe(false);
  });
});
