import { createHash } from 'node:crypto';
import { Client, email, eventually, PASSWORD, settle, startAuth, type AuthHarness, type LoginBody } from './auth-harness';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('verify', { RESEND_VERIFICATION_LIMIT: '5' });
});
afterAll(() => harness.close());

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');
const claimsOf = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** Registers and returns the raw token the `user.registered` event carried. */
async function registerAndCaptureToken(address = email()): Promise<{ token: string; userId: string; email: string }> {
  const client = new Client(harness.url);
  const response = await client.post('/api/auth/register', { email: address, password: PASSWORD });
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: string };
  expect(await eventually(() => harness.events.named('user.registered').some((e) => e.payload.userId === id))).toBe(true);
  const event = harness.events.named('user.registered').find((e) => e.payload.userId === id)!;
  return { token: event.payload.verificationToken, userId: id, email: address };
}

const verify = (token: unknown) => new Client(harness.url).post('/api/auth/verify-email', { token });

describe('registration announces user.registered', () => {
  it('when an account registers, then exactly one event carries a fresh token whose digest alone is stored', async () => {
    const address = email();
    const response = await new Client(harness.url).post('/api/auth/register', { email: address, password: PASSWORD, name: 'Ada' });
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'id', 'name']);
    expect(await eventually(() => harness.events.named('user.registered').some((e) => e.payload.userId === body.id))).toBe(true);
    await settle();
    const events = harness.events.named('user.registered').filter((e) => e.payload.userId === body.id);
    expect(events).toHaveLength(1);
    const { payload } = events[0]!;
    expect(payload).toMatchObject({ email: address, name: 'Ada' });
    expect(payload.verificationToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(payload.verificationExpiresAt) - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    const { rows } = await harness.pool.query<{ token_hash: string }>('SELECT token_hash FROM email_verifications WHERE user_id = $1', [body.id]);
    expect(rows).toEqual([{ token_hash: digest(payload.verificationToken) }]);
    const leaked = await harness.pool.query(
      "SELECT 1 FROM email_verifications WHERE token_hash = $1 UNION ALL SELECT 1 FROM credentials WHERE row_to_json(credentials)::text LIKE '%' || $1 || '%'",
      [payload.verificationToken],
    );
    expect(leaked.rowCount).toBe(0);
  });
});

describe('POST /api/auth/verify-email', () => {
  it('when the request has no body at all, then 400 names the missing token (never a 500)', async () => {
    const response = await fetch(`${harness.url}/api/auth/verify-email`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'token' }] });
  });

  it('when the token is fresh, then 200 verifies the account and announces user.email_verified; a second use is 400', async () => {
    const { token, userId, email: address } = await registerAndCaptureToken();
    const first = await verify(token);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ emailVerified: true });
    const { rows } = await harness.pool.query('SELECT email_verified FROM credentials WHERE id = $1', [userId]);
    expect(rows).toEqual([{ email_verified: true }]);
    expect(await eventually(() => harness.events.named('user.email_verified').some((e) => e.payload.userId === userId))).toBe(true);
    expect(harness.events.named('user.email_verified').find((e) => e.payload.userId === userId)!.payload).toEqual({ userId, email: address });

    const second = await verify(token);
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({ code: 'verification_token_invalid' });
  });

  it('when the token expired, then 400 and the account stays unverified', async () => {
    const { token, userId } = await registerAndCaptureToken();
    harness.advance(86_400_000 + 1_000);
    try {
      const response = await verify(token);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'verification_token_invalid' });
    } finally {
      harness.advance(-(86_400_000 + 1_000));
    }
    const { rows } = await harness.pool.query('SELECT email_verified FROM credentials WHERE id = $1', [userId]);
    expect(rows).toEqual([{ email_verified: false }]);
  });

  it.each([['garbage'], ['A'.repeat(43)], [''], [42]])('when the token is %p, then 400', async (token) => {
    const response = await verify(token);
    expect(response.status).toBe(400);
    expect((await response.json()) as { code: string }).toMatchObject({ code: expect.stringMatching(/verification_token_invalid|validation_failed/) });
  });

  it('when a signed-in user verifies, then the next refresh and the next login say email_verified true', async () => {
    const address = email();
    const { token } = await registerAndCaptureToken(address);
    const client = new Client(harness.url);
    const login = (await (await client.post('/api/auth/login', { email: address, password: PASSWORD })).json()) as LoginBody;
    expect(claimsOf(login.accessToken).email_verified).toBe(false);

    expect((await verify(token)).status).toBe(200);

    const refreshed = await client.refresh();
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as LoginBody;
    expect(claimsOf(body.accessToken).email_verified).toBe(true);
    expect(body.user.emailVerified).toBe(true);
    const again = (await (await new Client(harness.url).post('/api/auth/login', { email: address, password: PASSWORD })).json()) as LoginBody;
    expect(again.user.emailVerified).toBe(true);
  });
});

describe('GET /api/auth/verify-email (the emailed link)', () => {
  it('when the link is fresh, then a 200 page confirms it, the account is verified, and the token is not echoed', async () => {
    const { token, userId } = await registerAndCaptureToken();
    const response = await fetch(`${harness.url}/api/auth/verify-email?token=${token}`);
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(page).toContain('Email confirmed');
    expect(page).not.toContain(token);
    const { rows } = await harness.pool.query('SELECT email_verified FROM credentials WHERE id = $1', [userId]);
    expect(rows).toEqual([{ email_verified: true }]);
  });

  it('when the link is used or hostile, then a 400 page says it is invalid without reflecting the input', async () => {
    const { token } = await registerAndCaptureToken();
    expect((await fetch(`${harness.url}/api/auth/verify-email?token=${token}`)).status).toBe(200);
    for (const query of [`token=${token}`, 'token=%3Cscript%3Ealert(1)%3C%2Fscript%3E', '']) {
      const response = await fetch(`${harness.url}/api/auth/verify-email?${query}`);
      const page = await response.text();
      expect(response.status).toBe(400);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(page).toContain('This link is invalid or has expired');
      expect(page).not.toContain('<script>');
      expect(page).not.toContain(token);
    }
  });
});

describe('POST /api/auth/verify-email/resend', () => {
  it('when the email is unknown, verified or unverified, then 202 with the same body, and only the unverified account gets a new event', async () => {
    const unverified = await registerAndCaptureToken();
    const verified = await registerAndCaptureToken();
    expect((await verify(verified.token)).status).toBe(200);
    const before = harness.events.named('user.registered').length;

    const client = new Client(harness.url);
    const answers = [];
    for (const address of [email('nobody'), verified.email, unverified.email]) {
      const response = await client.post('/api/auth/verify-email/resend', { email: address });
      answers.push({ status: response.status, body: await response.text() });
    }

    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(await eventually(() => harness.events.named('user.registered').length > before)).toBe(true);
    await settle();
    const fresh = harness.events.named('user.registered').slice(before);
    expect(fresh.map((e) => e.payload.userId)).toEqual([unverified.userId]);
    expect(fresh[0]!.payload.verificationToken).not.toBe(unverified.token);
    expect((await verify(fresh[0]!.payload.verificationToken)).status).toBe(200);
  });
});
