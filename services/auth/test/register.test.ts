import { randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import { startAuth, Client, email, eventually, PASSWORD, settle, type AuthHarness } from './auth-harness';

let harness: AuthHarness;
let client: Client;
beforeAll(async () => {
  harness = await startAuth('register');
});
afterAll(() => harness.close());
beforeEach(() => {
  client = new Client(harness.url);
});

async function storedRow(address: string) {
  const { rows } = await harness.pool.query('SELECT * FROM credentials WHERE email = $1', [address]);
  return rows[0] as { id: string; password_hash: string; roles: string[]; email_verified: boolean } | undefined;
}

describe('POST /api/auth/register', () => {
  it('when the input is valid, then 201 returns the public account and the email is stored normalised', async () => {
    const address = email('Mixed');
    const response = await client.post('/api/auth/register', { email: `  ${address.toUpperCase()} `, password: PASSWORD, name: 'Ada' });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: address.toLowerCase(),
      name: 'Ada',
      emailVerified: false,
      createdAt: expect.any(String),
    });
    const row = await storedRow(address.toLowerCase());
    expect(row?.id).toBe(body.id);
    expect(row?.roles).toEqual(['user']);
    expect(row?.password_hash).toMatch(/^\$2b\$04\$/);
    expect(row?.password_hash).not.toContain(PASSWORD);
  });

  it('when the email is already registered in any letter case, then 409 email_taken', async () => {
    const address = email();
    expect((await client.post('/api/auth/register', { email: address, password: PASSWORD })).status).toBe(201);
    const again = await client.post('/api/auth/register', { email: address.toUpperCase(), password: 'another fine passphrase' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await again.json()).toMatchObject({ status: 409, code: 'email_taken', type: 'urn:gatehouse:problem:email_taken' });
  });

  it('when REGISTRATION_CONCEALS_EXISTING is off (the default) and the email is taken, then the owner is not notified', async () => {
    const address = email();
    expect((await client.post('/api/auth/register', { email: address, password: PASSWORD })).status).toBe(201);

    expect((await client.post('/api/auth/register', { email: address, password: PASSWORD })).status).toBe(409);

    const { rows } = await harness.pool.query("SELECT 1 FROM outbox WHERE name = 'user.security_notice' AND envelope->'payload'->>'email' = $1", [address]);
    expect(rows).toEqual([]);
  });

  it.each([
    ['a password under 8 characters', { password: 'short1!' }, 'password'],
    ['one of the most common passwords', { password: 'password123' }, 'password'],
    ['an invalid email', { email: 'not-an-email' }, 'email'],
    ['an unknown field', { isAdmin: true }, 'isAdmin'],
    ['a role the client chose', { roles: ['admin'] }, 'roles'],
    ['a line break in the name', { name: 'Ada\nBcc: someone' }, 'name'],
    ['a control character in the password', { password: `${PASSWORD}\u0007` }, 'password'],
    ['a control character in the email', { email: `a\u0085${email()}` }, 'email'],
  ])('when the body has %s, then 400 names the field and nothing is stored', async (_what, patch, field) => {
    const address = email();
    const response = await client.post('/api/auth/register', { email: address, password: PASSWORD, ...patch });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; errors: { path: string }[] };
    expect(body.code).toBe('validation_failed');
    expect(body.errors.map((e) => e.path)).toContain(field);
    expect(await storedRow(address)).toBeUndefined();
  });

  it('when the name holds a NUL character, then 400 validation_failed names it (not a 500 from PostgreSQL) and nothing is stored', async () => {
    const address = email();

    const response = await client.post('/api/auth/register', { email: address, password: PASSWORD, name: 'a\u0000b' });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ path: 'name', message: '"name" must not contain control characters or line breaks' }],
    });
    expect(await storedRow(address)).toBeUndefined();
  });

  it('when the password is a long Unicode passphrase, then it registers and logs in', async () => {
    const address = email();
    const passphrase = 'Ünïcödé pässphrase, 日本語 と emoji 🔐 — '.repeat(3);
    expect([...passphrase].length).toBeGreaterThan(64);
    expect((await client.post('/api/auth/register', { email: address, password: passphrase })).status).toBe(201);
    expect((await client.post('/api/auth/login', { email: address, password: passphrase })).status).toBe(200);
  });

  it('when two passwords differ only after byte 72, then the other one does not log in (no bcrypt truncation)', async () => {
    const address = email();
    const prefix = 'x'.repeat(72);
    expect((await client.post('/api/auth/register', { email: address, password: `${prefix}-first` })).status).toBe(201);
    expect((await client.post('/api/auth/login', { email: address, password: `${prefix}-second` })).status).toBe(401);
    expect((await client.post('/api/auth/login', { email: address, password: `${prefix}-first` })).status).toBe(200);
    // Guard for the guard: plain bcrypt would have accepted it.
    const plain = await bcrypt.hash(`${prefix}-first`, 4);
    expect(await bcrypt.compare(`${prefix}-second`, plain)).toBe(true);
  });
});

describe('POST /api/auth/register with REGISTRATION_CONCEALS_EXISTING', () => {
  const PENDING = { status: 'pending_verification' };
  let concealing: AuthHarness;
  beforeAll(async () => {
    concealing = await startAuth('register_conceal', { REGISTRATION_CONCEALS_EXISTING: 'true' });
  });
  afterAll(() => concealing.close());

  const registerAs = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    new Client(concealing.url).post('/api/auth/register', { password: PASSWORD, ...body }, headers);
  const accountsOf = async (address: string) =>
    (await concealing.pool.query<{ id: string; password_hash: string }>('SELECT id, password_hash FROM credentials WHERE email = $1', [address])).rows;
  const noticesFor = (userId: string) => concealing.events.named('user.security_notice').filter((e) => e.payload.userId === userId);
  const registeredEventsFor = (userId: string) => concealing.events.named('user.registered').filter((e) => e.payload.userId === userId);

  it('when the address is new, then 202 pending_verification and the account registers as before, with its user.registered event', async () => {
    const address = email();

    const response = await registerAs({ email: address, name: 'Ada' });

    expect(response.status).toBe(202);
    expect(await response.json()).toEqual(PENDING);
    const accounts = await accountsOf(address);
    expect(accounts).toHaveLength(1);
    const userId = accounts[0]!.id;
    expect(await eventually(() => registeredEventsFor(userId).length > 0)).toBe(true);
    expect(registeredEventsFor(userId)[0]!.payload).toMatchObject({
      email: address,
      name: 'Ada',
      verificationToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(noticesFor(userId)).toEqual([]);
  });

  it('when someone registers an address with a chosen password and logs in, then the answer is the same whether the address was free or taken', async () => {
    const taken = email();
    await registerAs({ email: taken });
    const free = email();
    const chosen = 'the attacker chose this passphrase';
    expect((await registerAs({ email: taken, password: chosen })).status).toBe(202);
    expect((await registerAs({ email: free, password: chosen })).status).toBe(202);
    const login = (address: string) => new Client(concealing.url).post('/api/auth/login', { email: address, password: chosen });
    const [onTaken, onFree] = [await login(taken), await login(free)];
    expect([onTaken.status, onFree.status]).toEqual([401, 401]);
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    expect(strip((await onTaken.json()) as Record<string, unknown>)).toEqual(strip((await onFree.json()) as Record<string, unknown>));
  });

  it('when the same address is tried again and again, then its owner gets one notice, not one per attempt', async () => {
    const address = email();
    await registerAs({ email: address });
    const [account] = await accountsOf(address);
    for (let i = 0; i < 3; i++) expect((await registerAs({ email: address })).status).toBe(202);
    expect(await eventually(() => noticesFor(account!.id).length === 1)).toBe(true);
    await settle();
    expect(noticesFor(account!.id)).toHaveLength(1);
  });

  it('when the address already has an account, then the identical 202, no second credential, and its owner gets a registration_attempted notice', async () => {
    const address = email();
    const first = await registerAs({ email: address, name: 'Ada' });
    const [account] = await accountsOf(address);
    expect(await eventually(() => registeredEventsFor(account!.id).length > 0)).toBe(true);

    const again = await registerAs(
      { email: address.toUpperCase(), password: 'another fine passphrase', name: 'Mallory' },
      { 'user-agent': 'Mozilla/5.0 (Test)' },
    );

    expect(again.status).toBe(first.status);
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(await again.text()).toBe(await first.text());
    expect(await accountsOf(address)).toEqual([account]);
    expect(await eventually(() => noticesFor(account!.id).length > 0)).toBe(true);
    await settle();
    const notices = noticesFor(account!.id);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.payload).toEqual({
      userId: account!.id,
      email: address,
      name: 'Ada',
      kind: 'registration_attempted',
      at: expect.any(String),
      userAgent: 'Mozilla/5.0 (Test)',
    });
    expect(Math.abs(Date.parse(notices[0]!.payload.at) - Date.now())).toBeLessThan(60_000);
    expect(registeredEventsFor(account!.id)).toHaveLength(1);
  });

  it.each([
    ['longer than 256 characters', 'x'.repeat(300), 'x'.repeat(256)],
    ['empty', '', null],
  ])('when the user agent is %s, then the notice carries it cut to size or null', async (_what, userAgent, expected) => {
    const address = email();
    expect((await registerAs({ email: address })).status).toBe(202);
    const [account] = await accountsOf(address);

    expect((await registerAs({ email: address }, { 'user-agent': userAgent })).status).toBe(202);

    expect(await eventually(() => noticesFor(account!.id).length > 0)).toBe(true);
    expect(noticesFor(account!.id)[0]!.payload.userAgent).toBe(expected);
  });

  it('when a concurrent registration inserts the address between our check and our insert, then still 202, one account, and its owner is notified', async () => {
    const address = email();
    const winner = randomUUID();
    const other = await concealing.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query("INSERT INTO credentials (id, email, password_hash) VALUES ($1, $2, 'not a hash')", [winner, address]);
      // Our check cannot see the uncommitted row, so our insert waits on its unique key...
      const response = registerAs({ email: address });
      const waiting = () => concealing.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      expect(await eventually(async () => ((await waiting()).rowCount ?? 0) > 0)).toBe(true);
      // ...and fails once the other registration commits.
      await other.query('COMMIT');

      const answer = await response;

      expect(answer.status).toBe(202);
      expect(await answer.json()).toEqual(PENDING);
    } finally {
      other.release();
    }
    expect((await accountsOf(address)).map((a) => a.id)).toEqual([winner]);
    expect(await eventually(() => noticesFor(winner).length > 0)).toBe(true);
    expect(noticesFor(winner)[0]!.payload).toMatchObject({ email: address, kind: 'registration_attempted' });
  });
});

describe('hostile request bodies', () => {
  const raw = (body: string, contentType = 'application/json') =>
    fetch(`${harness.url}/api/auth/register`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('when the JSON is malformed, then 400 malformed_json', async () => {
    const response = await raw('{"email": "a@b.c", ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'malformed_json' });
  });

  it('when the body exceeds 16 KiB, then 413', async () => {
    const response = await raw(JSON.stringify({ email: email(), password: PASSWORD, name: 'x'.repeat(17 * 1024) }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('when the content type is not JSON, then 415', async () => {
    const response = await raw('email=a@b.c&password=x', 'application/x-www-form-urlencoded');
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ code: 'unsupported_media_type' });
  });

  it.each(['__proto__', 'constructor'])('when the body carries a %s key, then 400 and nothing is stored', async (key) => {
    const address = email();
    const response = await raw(`{"email":"${address}","password":"${PASSWORD}","${key}":{"isAdmin":true}}`);
    expect(response.status).toBe(400);
    expect(await storedRow(address)).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('when the body is JSON but not an object, then 400 validation_failed naming the body', async () => {
    const response = await raw('[1,2,3]');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: '(body)' }] });
  });
});
