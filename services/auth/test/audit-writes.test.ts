import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { Registry } from 'prom-client';
import { createPool, migrate } from '@gatehouse/db';
import { createLogger } from '@gatehouse/logger';
import { captureLogs, createTestDatabase, endPool, eventually, type TestDatabase } from '@gatehouse/testing';
import { composeAuditLog } from '../src/audit.wiring';
import { MIGRATIONS_DIR } from '../src/infrastructure';
import { AUDIT_APPEND_LOCK, createAuditLogStore, type AuditRecord } from '../src/store/audit-log.store';
import { createAuditWriter, type AuditDropReason } from '../src/store/audit-writer';

let database: TestDatabase;
let pool: Pool;
beforeAll(async () => {
  database = await createTestDatabase('auth_audit_writes');
  pool = createPool({ url: database.url, applicationName: 'audit-writes-test' });
  await migrate(pool, MIGRATIONS_DIR);
});
afterAll(async () => {
  await endPool(pool);
  await database.drop();
});

const record = (subject: string, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  action: 'login',
  outcome: 'success',
  subject,
  at: new Date(),
  clientPrefix: '192.0.2.0/24',
  userAgent: null,
  requestId: null,
  traceId: null,
  ...overrides,
});

const subjectsIn = async (subjects: string[]) =>
  (await pool.query<{ subject: string }>('SELECT subject FROM audit_log WHERE subject = ANY($1) ORDER BY id', [subjects])).rows.map((r) => r.subject);

/** The audit log as app.ts composes it, on this file's database, outside any request. */
function composed() {
  const registry = new Registry();
  const logs = captureLogs();
  const audit = composeAuditLog(
    { AUDIT_RETENTION_DAYS: 90 },
    {
      pool,
      registry,
      verifier: {} as never,
      sessions: {} as never,
      logger: createLogger({ service: 'auth', level: 'info', destination: logs.stream }),
      clock: () => Date.now(),
    },
  );
  return { audit, registry, logs };
}

describe('audit records reaching PostgreSQL', () => {
  it('when one record of a batch holds a value the table refuses, then only it is dropped and the records around and after it are written', async () => {
    const store = createAuditLogStore(pool);
    const dropped: AuditDropReason[] = [];
    const errors: Record<string, unknown>[] = [];
    const writer = createAuditWriter<AuditRecord>({
      sink: (batch) => store.insertMany(batch),
      logger: { error: (fields: Record<string, unknown>) => errors.push(fields), warn: () => undefined } as never,
      batchSize: 10,
      flushIntervalMs: 1000,
      maxBuffered: 100,
      onDropped: (count, reason) => dropped.push(...Array<AuditDropReason>(count).fill(reason)),
    });
    const [before, poisoned, after, later] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];

    writer.append(record(before));
    writer.append(record(poisoned, { clientPrefix: 'evil/48' }));
    writer.append(record(after));
    await writer.flush();
    writer.append(record(later));
    await writer.flush();

    expect(await subjectsIn([before, poisoned, after, later])).toEqual([before, after, later]);
    expect(writer.buffered).toBe(0);
    expect(dropped).toEqual(['rejected']);
    expect(errors).toEqual([expect.objectContaining({ reason: 'rejected', code: '22P02', auditRecord: expect.objectContaining({ subject: poisoned }) })]);
    expect(JSON.stringify(errors)).not.toContain('invalid input syntax');
  });

  it('when a use case records fields past the columns limits, then the record is stored clipped, with invalid_reason for a reason the column refuses', async () => {
    const { audit } = composed();
    const subject = `${randomUUID()}${'s'.repeat(100)}`;

    audit.trail.record({ action: 'login', outcome: 'failure', actor: { kind: 'user', id: 'a'.repeat(100) }, subject, reason: 'Not A Stable Code!' });
    await audit.flush();

    const { rows } = await pool.query('SELECT actor_id, subject, reason FROM audit_log WHERE subject = $1', [subject.slice(0, 64)]);
    expect(rows).toEqual([{ actor_id: 'a'.repeat(64), subject: subject.slice(0, 64), reason: 'invalid_reason' }]);
  });

  it('when records wait in memory or are refused, then the buffered gauge and the failure and drop counters say so', async () => {
    const { audit, registry } = composed();
    const metrics = async () => registry.metrics();
    expect(await metrics()).toMatch(/^gatehouse_audit_write_failures_total\{kind="rejected"\} 0$/m);
    expect(await metrics()).toMatch(/^gatehouse_audit_records_dropped_total\{reason="buffer_full"\} 0$/m);

    audit.trail.record({ action: 'login', outcome: 'success', subject: randomUUID() });
    audit.trail.record({ action: 'logout', outcome: 'success', subject: randomUUID() });
    expect(await metrics()).toMatch(/^gatehouse_audit_buffered_records 2$/m);

    await audit.flush();
    expect(await metrics()).toMatch(/^gatehouse_audit_buffered_records 0$/m);
  });

  it('when another replica has inserted but not yet committed, then a batch waits for it, so ids become visible in increasing order', async () => {
    const store = createAuditLogStore(pool);
    const [first, second] = [randomUUID(), randomUUID()];
    const replica = await pool.connect();
    try {
      await replica.query('BEGIN');
      await replica.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_APPEND_LOCK]);
      await replica.query(`INSERT INTO audit_log (occurred_at, action, outcome, subject) VALUES (now(), 'login', 'success', $1)`, [first]);

      const inserting = store.insertMany([record(second)]);
      // A bigint advisory key shows in pg_locks as its high (classid) and low (objid) 32 bits.
      const waiting = async () =>
        (
          await pool.query(
            `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND classid::bigint = ($1::bigint >> 32) AND objid::bigint = ($1::bigint & 4294967295)`,
            [AUDIT_APPEND_LOCK],
          )
        ).rowCount === 1;
      expect(await eventually(waiting)).toBe(true);
      // A poller reading now sees neither: no id larger than the uncommitted one is visible.
      expect(await subjectsIn([first, second])).toEqual([]);

      await replica.query('COMMIT');
      await inserting;
    } finally {
      replica.release();
    }

    expect(await subjectsIn([first, second])).toEqual([first, second]);
  });
});
