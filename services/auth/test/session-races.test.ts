import { createEvent } from '@gatehouse/events';
import type { PasswordHasher } from '../src/domain/auth.ports';
import { Client, email, eventually, PASSWORD, registerAndLogin, startAuth, type AuthHarness } from './auth-harness';
import { storedSessionIds } from './session-hash';

/** The real hasher, counting verifications and able to hold one at its end, as a slow bcrypt would. */
function instrumented() {
  const state = { verifications: 0, hold: undefined as undefined | { entered: () => void; released: Promise<void> } };
  const wrap = (real: PasswordHasher): PasswordHasher => ({
    dummyHash: real.dummyHash,
    hash: (password) => real.hash(password),
    async verify(password, hash) {
      state.verifications += 1;
      const result = await real.verify(password, hash);
      const hold = state.hold;
      state.hold = undefined;
      if (hold) {
        hold.entered();
        await hold.released;
      }
      return result;
    },
  });
  const holdNext = () => {
    let release!: () => void;
    let entered!: () => void;
    const reached = new Promise<void>((resolve) => (entered = resolve));
    state.hold = { entered, released: new Promise<void>((resolve) => (release = resolve)) };
    return { reached, release };
  };
  return { state, wrap, holdNext };
}

const liveSessions = (harness: AuthHarness, userId: string) => storedSessionIds(harness.redis, userId);

describe('a login racing an account deletion', () => {
  const hasher = instrumented();
  let harness: AuthHarness;
  beforeAll(async () => {
    harness = await startAuth('race_delete', {}, { hasher: hasher.wrap });
  });
  afterAll(() => harness.close());

  it('when the account is deleted between the credential read and the session, then the login opens no session', async () => {
    const { body, email: address } = await registerAndLogin(harness);
    const userId = body.user.id;
    const held = hasher.holdNext();
    const login = new Client(harness.url).post('/api/auth/login', { email: address, password: PASSWORD });
    await held.reached;

    await harness.events.publish(createEvent('user.deleted', { userId }));
    expect(await eventually(async () => (await harness.pool.query('SELECT 1 FROM credentials WHERE id = $1', [userId])).rowCount === 0)).toBe(true);
    held.release();

    const response = await login;
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await liveSessions(harness, userId)).toEqual([]);
  });

  it('when sessions were revoked before the credential was read, then a later login opens a session normally', async () => {
    const { body, email: address } = await registerAndLogin(harness);
    // Every session ends and the user's fence is set, before the next login reads the credential.
    const ended = await fetch(`${harness.url}/api/auth/logout-all`, { method: 'POST', headers: { authorization: `Bearer ${body.accessToken}` } });
    expect(ended.status).toBe(204);
    expect(await liveSessions(harness, body.user.id)).toEqual([]);
    expect((await new Client(harness.url).post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(200);
    expect(await liveSessions(harness, body.user.id)).toHaveLength(1);
  });
});

describe('login limits under a parallel attack', () => {
  const hasher = instrumented();
  let harness: AuthHarness;
  beforeAll(async () => {
    harness = await startAuth(
      'race_guesses',
      { TRUST_PROXY_HOPS: '1', LOGIN_IP_LIMIT: '1000', LOGIN_FREE_ATTEMPTS: '5', LOGIN_ACCOUNT_FAILURE_LIMIT: '20' },
      { hasher: hasher.wrap },
    );
  });
  afterAll(() => harness.close());

  it('when 100 wrong guesses arrive at once from 10 addresses, then at most the budget reach bcrypt, the rest get 429, and the owner still logs in from a known device', async () => {
    const from = (ip: string) => new Client(harness.url, { 'x-forwarded-for': ip });
    const address = email();
    expect((await from('192.0.2.50').post('/api/auth/register', { email: address, password: PASSWORD })).status).toBe(201);
    expect((await from('192.0.2.50').post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(200);
    const before = hasher.state.verifications;

    const guesses = Array.from({ length: 100 }, (_, i) => from(`203.0.113.${i % 10}`).post('/api/auth/login', { email: address, password: `guess ${i}` }));
    const responses = await Promise.all(guesses);

    const reachedBcrypt = hasher.state.verifications - before;
    const statuses = responses.map((r) => r.status);
    expect(reachedBcrypt).toBeLessThanOrEqual(harness.config.LOGIN_ACCOUNT_FAILURE_LIMIT);
    expect(statuses.filter((s) => s === 401)).toHaveLength(reachedBcrypt);
    expect(statuses.filter((s) => s === 429)).toHaveLength(100 - reachedBcrypt);
    expect(responses.filter((r) => r.status === 429).every((r) => Number(r.headers.get('retry-after')) >= 1)).toBe(true);
    expect((await from('192.0.2.50').post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(200);
  });
});

describe('a forged user.deleted', () => {
  let harness: AuthHarness;
  beforeAll(async () => {
    harness = await startAuth('forged_delete');
  });
  afterAll(() => harness.close());

  it('when it names the only admin, then the admin keeps the account and the sessions, and the refusal is logged', async () => {
    const adminEmail = email('admin');
    await harness.auth.bootstrapAdmin(adminEmail, 'a strong admin passphrase');
    const admin = new Client(harness.url);
    expect((await admin.post('/api/auth/login', { email: adminEmail, password: 'a strong admin passphrase' })).status).toBe(200);
    const { rows } = await harness.pool.query<{ id: string }>('SELECT id FROM credentials WHERE email = $1', [adminEmail]);
    const event = createEvent('user.deleted', { userId: rows[0]!.id });

    await harness.events.publish(event);

    expect(await eventually(() => harness.logs.lines().some((l) => l.eventId === event.id && l.result === 'refused_last_admin'))).toBe(true);
    expect((await harness.pool.query('SELECT 1 FROM credentials WHERE email = $1', [adminEmail])).rowCount).toBe(1);
    expect((await admin.refresh()).status).toBe(200);
    expect(harness.events.named('session.revoked').filter((e) => e.payload.userId === rows[0]!.id)).toEqual([]);
  });
});
