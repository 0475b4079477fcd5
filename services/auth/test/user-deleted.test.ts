import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEvent, outboxMigrationSql, outboxTraceContextMigrationSql, processedEventsMigrationSql } from '@gatehouse/events';
import { MIGRATIONS_DIR } from '../src/infrastructure';
import { Client, eventually, PASSWORD, registerAndLogin, settle, startAuth, type AuthHarness } from './auth-harness';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('user_deleted');
});
afterAll(() => harness.close());

const sessionIdOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
const revokedFor = (userId: string) => harness.events.named('session.revoked').filter((e) => e.payload.userId === userId);

describe('consuming user.deleted', () => {
  it('when a user is deleted, then the credential and sessions go, login and refresh are 401, and session.revoked names the sessions', async () => {
    const { client, body, email } = await registerAndLogin(harness);
    const userId = body.user.id;

    await harness.events.publish(createEvent('user.deleted', { userId }));

    expect(await eventually(async () => (await harness.pool.query('SELECT 1 FROM credentials WHERE id = $1', [userId])).rowCount === 0)).toBe(true);
    expect((await harness.pool.query('SELECT 1 FROM email_verifications WHERE user_id = $1', [userId])).rowCount).toBe(0);
    expect((await new Client(harness.url).post('/api/auth/login', { email, password: PASSWORD })).status).toBe(401);
    expect((await client.refresh()).status).toBe(401);
    expect(await eventually(() => revokedFor(userId).length === 1)).toBe(true);
    expect(revokedFor(userId)[0]!.payload).toEqual({ userId, sessionIds: [sessionIdOf(body.accessToken)], reason: 'user_deleted' });
  });

  it('when the same user.deleted is delivered again, then nothing more happens and nothing more is published', async () => {
    const { body } = await registerAndLogin(harness);
    const event = createEvent('user.deleted', { userId: body.user.id });
    await harness.events.publish(event);
    expect(await eventually(() => revokedFor(body.user.id).length === 1)).toBe(true);

    await harness.events.publish(event);
    await settle();

    expect(revokedFor(body.user.id)).toHaveLength(1);
    expect(
      harness.logs
        .lines()
        .filter((l) => l.eventId === event.id)
        .map((l) => l.result),
    ).toEqual(['deleted', 'duplicate']);
  });

  it('when the deleted user never had an account here, then the event is handled without error', async () => {
    const userId = randomUUID();
    await harness.events.publish(createEvent('user.deleted', { userId }));
    expect(await eventually(() => revokedFor(userId).length === 1)).toBe(true);
    expect(revokedFor(userId)[0]!.payload.sessionIds).toEqual([]);
  });
});

describe('refresh-token reuse', () => {
  it('when a rotated token is replayed, then session.revoked announces the session with reason reuse_detected', async () => {
    const { client, body } = await registerAndLogin(harness);
    const thief = new Client(harness.url);
    for (const [k, v] of client.jar) thief.jar.set(k, v);
    expect((await client.refresh()).status).toBe(200);
    harness.advance(harness.config.REFRESH_REUSE_GRACE_SECONDS * 1000 + 1);

    expect((await thief.refresh()).status).toBe(401);

    expect(await eventually(() => revokedFor(body.user.id).length === 1)).toBe(true);
    expect(revokedFor(body.user.id)[0]!.payload).toEqual({ userId: body.user.id, sessionIds: [sessionIdOf(body.accessToken)], reason: 'reuse_detected' });
  });
});

describe('the events migration', () => {
  it('when compared with the library, then the outbox and processed_events schemas are verbatim copies', () => {
    const migration = readFileSync(join(MIGRATIONS_DIR, '0002_events.sql'), 'utf8');
    expect(migration.startsWith(`${outboxMigrationSql}\n${processedEventsMigrationSql}\n`)).toBe(true);
  });

  it('when compared with the library, then the outbox trace context migration is a verbatim copy', () => {
    expect(readFileSync(join(MIGRATIONS_DIR, '0007_outbox_trace_context.sql'), 'utf8')).toBe(outboxTraceContextMigrationSql);
  });
});
