import bcrypt from 'bcrypt';
import { startAuth, Client, email, PASSWORD, type AuthHarness } from './auth-harness';

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
    expect(body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: address.toLowerCase(), name: 'Ada', emailVerified: false, createdAt: expect.any(String) });
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
