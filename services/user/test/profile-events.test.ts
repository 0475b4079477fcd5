import { randomBytes, randomUUID } from 'node:crypto';
import { createEvent, type AnyEvent, type EventEnvelope } from '@gatehouse/events';
import { uniqueName } from '@gatehouse/testing';
import { eventually, openBrokerProbe, type BrokerProbe } from '../../../libs/events/test/broker-fixtures';
import { newAdmin, startUser, type UserHarness } from './user-harness';

let harness: UserHarness;
let probe: BrokerProbe;
beforeAll(async () => {
  // A verification that overtook its registration is retried from 20 ms, doubling, capped at 2 s:
  // 20 attempts last ~27 s, so a slow machine cannot exhaust them before the registration arrives,
  // and the retry after it comes within 2 s.
  harness = await startUser('profile_events', { EVENT_MAX_ATTEMPTS: '20', EVENT_RETRY_MAX_DELAY_MS: '2000' });
  probe = await openBrokerProbe();
});
afterAll(async () => {
  await probe.close({});
  await harness.close();
});

function registeredEvent(): EventEnvelope<'user.registered'> {
  return createEvent('user.registered', {
    userId: randomUUID(),
    email: `${uniqueName('user')}@example.com`,
    name: 'Ada Lovelace',
    verificationToken: randomBytes(32).toString('base64url'),
    verificationExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
  });
}

/** Publishes straight to the service's exchange, as the auth service's relay would. */
async function publish(event: AnyEvent | Record<string, unknown>, routingKey = String(event.name)): Promise<void> {
  probe.channel.publish(harness.config.EVENTS_EXCHANGE, routingKey, Buffer.from(JSON.stringify(event)), { persistent: true });
}

async function storedRow(id: string) {
  const { rows } = await harness.pool.query('SELECT email, name, roles, email_verified FROM profiles WHERE id = $1', [id]);
  return rows[0] as { email: string; name: string | null; roles: string[]; email_verified: boolean } | undefined;
}

const handled = (eventId: string) => harness.logs.lines().some((l) => l.eventId === eventId && l.msg === 'profile event handled');

describe('user.registered → profile', () => {
  it('when a registration arrives, then the profile exists with the user role and an unverified email', async () => {
    const event = registeredEvent();

    await publish(event);

    expect(await eventually(async () => (await storedRow(event.payload.userId)) !== undefined)).toBe(true);
    expect(await storedRow(event.payload.userId)).toEqual({ email: event.payload.email, name: 'Ada Lovelace', roles: ['user'], email_verified: false });
  });

  it('when the same registration is delivered twice, then one profile exists and later changes survive the redelivery', async () => {
    const event = registeredEvent();
    await publish(event);
    expect(await eventually(() => handled(event.id))).toBe(true);
    await harness.pool.query("UPDATE profiles SET name = 'Renamed' WHERE id = $1", [event.payload.userId]);

    await publish(event);

    expect(await eventually(() => harness.logs.lines().some((l) => l.eventId === event.id && l.result === 'duplicate'))).toBe(true);
    const { rows } = await harness.pool.query('SELECT name FROM profiles WHERE id = $1', [event.payload.userId]);
    expect(rows).toEqual([{ name: 'Renamed' }]);
  });

  it('when the registration of an already deleted user arrives late, then the profile is not brought back', async () => {
    const event = registeredEvent();
    await harness.pool.query('INSERT INTO deleted_profiles (id) VALUES ($1)', [event.payload.userId]);

    await publish(event);

    expect(await eventually(() => handled(event.id))).toBe(true);
    expect(await storedRow(event.payload.userId)).toBeUndefined();
  });
});

describe('user.email_verified → profile flag', () => {
  it('when the email of a registered user is verified, then the profile says so', async () => {
    const registered = registeredEvent();
    await publish(registered);
    expect(await eventually(() => handled(registered.id))).toBe(true);

    await publish(createEvent('user.email_verified', { userId: registered.payload.userId, email: registered.payload.email }));

    expect(await eventually(async () => (await storedRow(registered.payload.userId))?.email_verified === true)).toBe(true);
    const response = await harness.request('GET', '/api/admin/users?limit=100', { identity: newAdmin() });
    const { users } = (await response.json()) as { users: { id: string; emailVerified: boolean }[] };
    expect(users.find((u) => u.id === registered.payload.userId)).toMatchObject({ emailVerified: true });
  });

  it('when the verification overtakes the registration, then it is retried until the profile exists', async () => {
    const registered = registeredEvent();
    const retries = () => harness.logs.lines().filter((l) => l.msg === 'event handling failed, will retry').length;
    const before = retries();
    await publish(createEvent('user.email_verified', { userId: registered.payload.userId, email: registered.payload.email }));
    expect(await eventually(() => retries() > before)).toBe(true);

    const start = harness.logs.lines().length;
    await publish(registered);

    const verified = await eventually(async () => (await storedRow(registered.payload.userId))?.email_verified === true, 30_000);
    // On failure, the consumer's own account of what happened since the registration was sent.
    const history = harness.logs
      .lines()
      .slice(start)
      .map((l) => [l.msg, l.event, l.attempt ?? l.attempts ?? l.result, (l.err as { message?: string } | undefined)?.message].filter(Boolean).join(' '));
    expect({ verified, history: verified ? [] : history }).toEqual({ verified: true, history: [] });
  }, 45_000);

  it('when the verified user was already deleted, then the event is settled without a retry or a profile', async () => {
    const userId = randomUUID();
    await harness.pool.query('INSERT INTO deleted_profiles (id) VALUES ($1)', [userId]);
    const event = createEvent('user.email_verified', { userId, email: `${uniqueName('gone')}@example.com` });

    await publish(event);

    expect(await eventually(() => harness.logs.lines().some((l) => l.eventId === event.id && l.result === 'deleted'))).toBe(true);
    expect(await storedRow(userId)).toBeUndefined();
  });

  it('when a message breaks the contract, then it is dead-lettered and the consumer keeps working', async () => {
    const invalid = { ...registeredEvent(), payload: { userId: 'not-a-uuid' } };
    await publish(invalid, 'user.registered');
    const event = registeredEvent();

    await publish(event);

    expect(await eventually(async () => (await storedRow(event.payload.userId)) !== undefined)).toBe(true);
    expect(harness.logs.lines().some((l) => l.msg === 'invalid event dead-lettered')).toBe(true);
  });
});
