import { createEvent } from '@gatehouse/events';
import { managementUrl, setCookies, totpCode, totpStep, wrongTotpCode } from '@gatehouse/testing';
import { Client, eventually, PASSWORD, registerAndLogin, startAuth, type AuthHarness, type LoginBody } from './auth-harness';
import { rewriteInLegacyLayout } from './session-hash';

const MFA_FAILURE_LIMIT = 5;

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('mfa_totp', { LOGIN_IP_LIMIT: '1000', REGISTER_IP_LIMIT: '1000', MFA_FAILURE_LIMIT: String(MFA_FAILURE_LIMIT) });
});
afterAll(() => harness.close());

interface Challenge {
  mfaRequired: true;
  mfaToken: string;
  methods: string[];
  expiresIn: number;
}

interface Enrolled {
  email: string;
  userId: string;
  /** The session that set the factor up (a password login). */
  body: LoginBody;
  client: Client;
  secret: string;
  recoveryCodes: string[];
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const claimsOf = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { amr?: string[]; sid: string };
const revokedFor = (userId: string) => harness.events.named('session.revoked').filter((e) => e.payload.userId === userId);
const noticesFor = (userId: string) => harness.events.named('user.security_notice').filter((e) => e.payload.userId === userId);
/** The service's current time step: its clock is the one that can be moved. */
const step = () => totpStep(harness.now());
const nextStep = () => harness.advance(30_000);

/** Moves the clock to 5 s into a step, so no step boundary falls inside a test's few requests. */
function alignToStep(): void {
  harness.advance(30_000 - (harness.now() % 30_000) + 5_000);
}

const setup = (token: string) => new Client(harness.url).post('/api/auth/mfa/totp/setup', undefined, bearer(token));
const confirm = (token: string, code: unknown) => new Client(harness.url).post('/api/auth/mfa/totp/confirm', { code }, bearer(token));
const removeFactor = (token: string, body: unknown) => new Client(harness.url).request('DELETE', '/api/auth/mfa/totp', body, bearer(token));

/** A registered, password-signed-in user who set up and confirmed an authenticator app. */
async function enroll(): Promise<Enrolled> {
  alignToStep();
  const { client, body, email: address } = await registerAndLogin(harness);
  const started = await setup(body.accessToken);
  expect(started.status).toBe(200);
  const { secret } = (await started.json()) as { secret: string };
  const confirmed = await confirm(body.accessToken, totpCode(secret, step()));
  expect(confirmed.status).toBe(200);
  const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
  // The confirming code's step is spent: the next login uses the next step's code.
  nextStep();
  return { email: address, userId: body.user.id, body, client, secret, recoveryCodes };
}

async function passwordStep(address: string, client = new Client(harness.url)): Promise<Challenge> {
  const response = await client.post('/api/auth/login', { email: address, password: PASSWORD });
  expect(response.status).toBe(200);
  return (await response.json()) as Challenge;
}

const secondStep = (body: unknown, client = new Client(harness.url)) => client.post('/api/auth/login/mfa', body);

async function signInWithCode(user: Enrolled): Promise<{ client: Client; body: LoginBody }> {
  const client = new Client(harness.url);
  const { mfaToken } = await passwordStep(user.email, client);
  const response = await secondStep({ mfaToken, code: totpCode(user.secret, step()) }, client);
  expect(response.status).toBe(200);
  nextStep();
  return { client, body: (await response.json()) as LoginBody };
}

describe('setting up an authenticator app', () => {
  it('when a user sets it up and confirms a code, then setup answers a base32 secret and an otpauth URL, confirm ten recovery codes, only sealed secrets and digests are stored, and the owner is told', async () => {
    alignToStep();
    const { body, email: address } = await registerAndLogin(harness);

    const started = await setup(body.accessToken);
    expect(started.status).toBe(200);
    expect(started.headers.get('cache-control')).toBe('no-store');
    const provisioning = (await started.json()) as { secret: string; otpauthUrl: string };
    expect(provisioning.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(provisioning.otpauthUrl);
    expect(`${uri.protocol}//${uri.host}${decodeURIComponent(uri.pathname)}`).toBe(`otpauth://totp/Gatehouse:${address}`);
    expect(Object.fromEntries(uri.searchParams)).toEqual({ secret: provisioning.secret, issuer: 'Gatehouse', algorithm: 'SHA1', digits: '6', period: '30' });
    const confirmed = await confirm(body.accessToken, totpCode(provisioning.secret, step()));

    expect(confirmed.status).toBe(200);
    expect(confirmed.headers.get('cache-control')).toBe('no-store');
    const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
    const factor = await harness.pool.query<{ sealed_secret: Buffer; confirmed_at: Date | null }>(
      'SELECT sealed_secret, confirmed_at FROM totp_factors WHERE user_id = $1',
      [body.user.id],
    );
    expect(factor.rows[0]!.confirmed_at).not.toBeNull();
    expect(factor.rows[0]!.sealed_secret.includes(Buffer.from(provisioning.secret))).toBe(false);
    const stored = await harness.pool.query<{ code_digest: string }>('SELECT code_digest FROM recovery_codes WHERE user_id = $1', [body.user.id]);
    expect(stored.rows).toHaveLength(10);
    for (const { code_digest } of stored.rows) expect(recoveryCodes.some((code) => code_digest.includes(code.replace('-', '')))).toBe(false);
    expect(await eventually(() => noticesFor(body.user.id).some((e) => e.payload.kind === 'mfa_enabled'))).toBe(true);
  });

  it('when setup is asked again before confirming, then the new secret replaces the pending one and the old one no longer confirms', async () => {
    alignToStep();
    const { body } = await registerAndLogin(harness);
    const first = ((await (await setup(body.accessToken)).json()) as { secret: string }).secret;
    const second = ((await (await setup(body.accessToken)).json()) as { secret: string }).secret;
    expect(second).not.toBe(first);
    expect((await harness.pool.query('SELECT 1 FROM totp_factors WHERE user_id = $1', [body.user.id])).rowCount).toBe(1);

    const withOld = await confirm(body.accessToken, totpCode(first, step()));
    expect(withOld.status).toBe(400);
    expect(await withOld.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'code' }] });
    expect((await confirm(body.accessToken, totpCode(second, step()))).status).toBe(200);
  });

  it('when a factor is already confirmed, then setup and confirm answer 409 mfa_already_enabled and the factor stays', async () => {
    const user = await enroll();
    for (const response of [await setup(user.body.accessToken), await confirm(user.body.accessToken, totpCode(user.secret, step()))]) {
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'mfa_already_enabled' });
    }
    expect((await passwordStep(user.email)).mfaRequired).toBe(true);
  });

  it('when confirm gets no pending setup, a malformed code or an unknown field, then it names the problem', async () => {
    const { body } = await registerAndLogin(harness);
    const nothingPending = await confirm(body.accessToken, '123456');
    expect(nothingPending.status).toBe(404);
    expect(await nothingPending.json()).toMatchObject({ code: 'mfa_factor_not_found' });
    await setup(body.accessToken);
    for (const code of ['12345', '1234567', '12 456', 123456]) {
      const response = await confirm(body.accessToken, code);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'code' }] });
    }
    const unknown = await new Client(harness.url).post('/api/auth/mfa/totp/confirm', { code: '123456', secret: 'x' }, bearer(body.accessToken));
    expect(await unknown.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'secret' }] });
  });

  it('when the caller has no access token, or that of an ended session, then setup answers 401', async () => {
    const { client, body } = await registerAndLogin(harness);
    expect((await new Client(harness.url).post('/api/auth/mfa/totp/setup')).status).toBe(401);
    expect((await client.logout()).status).toBe(204);
    const ended = await setup(body.accessToken);
    expect(ended.status).toBe(401);
    expect(await ended.json()).toMatchObject({ code: 'token_invalid' });
  });
});

describe('logging in with a second factor', () => {
  it('when the password is right, then 200 asks for the second factor with no access token and no cookie', async () => {
    const user = await enroll();
    const response = await new Client(harness.url).post('/api/auth/login', { email: user.email, password: PASSWORD });

    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['expiresIn', 'methods', 'mfaRequired', 'mfaToken']);
    expect(body).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery_code'], expiresIn: 300 });
    expect(body.mfaToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('when the code is right, then the normal login answer and cookies follow, and the access token says pwd and otp through refresh', async () => {
    const user = await enroll();
    const client = new Client(harness.url);
    const { mfaToken } = await passwordStep(user.email, client);

    const response = await secondStep({ mfaToken, code: totpCode(user.secret, step()) }, client);

    expect(response.status).toBe(200);
    const body = (await response.json()) as LoginBody;
    expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { id: user.userId, email: user.email } });
    expect(claimsOf(body.accessToken).amr).toEqual(['pwd', 'otp']);
    expect(setCookies(response)['__Secure-refresh_token']?.attributes).toMatchObject({ httponly: true, path: '/api/auth' });
    expect(response.headers.get('cache-control')).toBe('no-store');
    const refreshed = await client.refresh();
    expect(refreshed.status).toBe(200);
    expect(claimsOf(((await refreshed.json()) as LoginBody).accessToken).amr).toEqual(['pwd', 'otp']);
    expect(claimsOf(user.body.accessToken).amr).toEqual(['pwd']);
    const metrics = await (await fetch(`${managementUrl(harness.url)}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_auth_outcomes_total\{[^}]*operation="login_mfa"[^}]*outcome="success"[^}]*\} [1-9]/);
  });

  it('when a code was used, then the same code, and any code of that step or an earlier one, answers 401', async () => {
    const user = await enroll();
    const used = totpCode(user.secret, step() + 1);
    expect((await secondStep({ mfaToken: (await passwordStep(user.email)).mfaToken, code: used })).status).toBe(200);

    for (const code of [used, totpCode(user.secret, step())]) {
      const replay = await secondStep({ mfaToken: (await passwordStep(user.email)).mfaToken, code });
      expect(replay.status).toBe(401);
      expect(await replay.json()).toMatchObject({ code: 'mfa_code_invalid' });
    }
  });

  it('when the app is one step off, then the code works; two steps off, it does not', async () => {
    const user = await enroll();
    harness.advance(4 * 30_000);
    const attempt = async (offset: number) =>
      (await secondStep({ mfaToken: (await passwordStep(user.email)).mfaToken, code: totpCode(user.secret, step() + offset) })).status;

    expect(await attempt(-2)).toBe(401);
    expect(await attempt(-1)).toBe(200);
    expect(await attempt(+2)).toBe(401);
    expect(await attempt(+1)).toBe(200);
  });

  it('when an mfaToken was used, then it cannot be used again, not even with a fresh code', async () => {
    const user = await enroll();
    const { mfaToken } = await passwordStep(user.email);
    expect((await secondStep({ mfaToken, code: totpCode(user.secret, step()) })).status).toBe(200);
    nextStep();

    const again = await secondStep({ mfaToken, code: totpCode(user.secret, step()) });

    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ code: 'mfa_token_invalid' });
  });

  it('when two right answers race with one mfaToken, then exactly one session opens', async () => {
    const user = await enroll();
    const { mfaToken } = await passwordStep(user.email);
    const answers = await Promise.all([
      secondStep({ mfaToken, code: totpCode(user.secret, step()) }),
      secondStep({ mfaToken, recoveryCode: user.recoveryCodes[0] }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
  });

  it('when five minutes have passed on the clock, then the mfaToken has expired', async () => {
    const user = await enroll();
    const { mfaToken } = await passwordStep(user.email);
    harness.advance(300_001);

    const late = await secondStep({ mfaToken, code: totpCode(user.secret, step()) });

    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({ code: 'mfa_token_invalid' });
  });

  it('when an mfaToken took three wrong codes, then it is void and even the right code needs the password again', async () => {
    const user = await enroll();
    const { mfaToken } = await passwordStep(user.email);
    for (let i = 0; i < 3; i++) expect((await secondStep({ mfaToken, code: wrongTotpCode(user.secret, step()) })).status).toBe(401);

    const right = await secondStep({ mfaToken, code: totpCode(user.secret, step()) });

    expect(right.status).toBe(401);
    expect(await right.json()).toMatchObject({ code: 'mfa_token_invalid' });
    expect((await secondStep({ mfaToken: (await passwordStep(user.email)).mfaToken, code: totpCode(user.secret, step()) })).status).toBe(200);
  });

  it('when the password changes after the first step, then its mfaToken is void', async () => {
    const user = await enroll();
    const { mfaToken } = await passwordStep(user.email);
    const change = await new Client(harness.url).post(
      '/api/auth/password/change',
      { currentPassword: PASSWORD, newPassword: 'a new passphrase for mfa' },
      bearer(user.body.accessToken),
    );
    expect(change.status).toBe(204);

    const stale = await secondStep({ mfaToken, code: totpCode(user.secret, step()) });

    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ code: 'mfa_token_invalid' });
  });

  it('when a burst of wrong codes arrives in parallel, then only as many as the account budget are checked and the rest get 429 with Retry-After, the right code too', async () => {
    const user = await enroll();
    const tokens = await Promise.all([1, 2, 3, 4].map(() => passwordStep(user.email)));
    const wrong = wrongTotpCode(user.secret, step());

    const answers = await Promise.all(tokens.flatMap(({ mfaToken }) => [1, 2, 3].map(() => secondStep({ mfaToken, code: wrong }))));

    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(MFA_FAILURE_LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - MFA_FAILURE_LIMIT);
    const limited = answers.find((a) => a.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ code: 'rate_limited' });
    const right = await secondStep({ mfaToken: (await passwordStep(user.email)).mfaToken, code: totpCode(user.secret, step()) });
    expect(right.status).toBe(429);
  });

  it('when a recovery code is used, then it signs in once with pwd and otp, is refused the second time, and another one works however it is typed', async () => {
    const user = await enroll();
    const [first, second] = user.recoveryCodes as [string, string];
    const used = await secondStep({ mfaToken: (await passwordStep(user.email)).mfaToken, recoveryCode: first });
    expect(used.status).toBe(200);
    expect(claimsOf(((await used.json()) as LoginBody).accessToken).amr).toEqual(['pwd', 'otp']);

    const again = await secondStep({ mfaToken: (await passwordStep(user.email)).mfaToken, recoveryCode: first });
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ code: 'mfa_code_invalid' });
    const typed = second.replace('-', ' ').toUpperCase();
    expect((await secondStep({ mfaToken: (await passwordStep(user.email)).mfaToken, recoveryCode: typed })).status).toBe(200);
    const { rows } = await harness.pool.query('SELECT 1 FROM recovery_codes WHERE user_id = $1 AND used_at IS NOT NULL', [user.userId]);
    expect(rows).toHaveLength(2);
  });

  it('when the body is malformed, then 400 names the field', async () => {
    const user = await enroll();
    const { mfaToken } = await passwordStep(user.email);
    const cases: [unknown, string][] = [
      [{ mfaToken, code: '12345' }, 'code'],
      [{ mfaToken, code: '123456', recoveryCode: 'abcde-fghjk' }, '(body)'],
      [{ mfaToken }, '(body)'],
      [{ mfaToken: 'short', code: '123456' }, 'mfaToken'],
      [{ mfaToken, code: '123456', remember: true }, 'remember'],
    ];
    for (const [body, path] of cases) {
      const response = await secondStep(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(path);
    }
    expect((await secondStep({ mfaToken, code: totpCode(user.secret, step()) })).status).toBe(200);
  });

  it('when the second step comes from an origin that is not allowed, then 403 before anything is spent', async () => {
    const user = await enroll();
    const { mfaToken } = await passwordStep(user.email);
    const code = totpCode(user.secret, step());
    const foreign = await new Client(harness.url, { origin: 'https://evil.example' }).post('/api/auth/login/mfa', { mfaToken, code });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: 'origin_not_allowed' });
    expect(foreign.headers.get('set-cookie')).toBeNull();
    expect((await new Client(harness.url, { origin: 'http://localhost:3000' }).post('/api/auth/login/mfa', { mfaToken, code })).status).toBe(200);
  });

  it('when an account has no factor, then login opens the session at once with amr pwd', async () => {
    const { body } = await registerAndLogin(harness);
    expect(claimsOf(body.accessToken).amr).toEqual(['pwd']);
  });

  it('when a session opened before amr was kept with sessions refreshes, then its tokens say pwd', async () => {
    const { client, body } = await registerAndLogin(harness);
    await rewriteInLegacyLayout(harness.redis, body.user.id, { withoutAmr: true });

    const refreshed = await client.refresh();

    expect(refreshed.status).toBe(200);
    expect(claimsOf(((await refreshed.json()) as LoginBody).accessToken).amr).toEqual(['pwd']);
  });
});

describe('removing the authenticator app', () => {
  it('when a current code is given, then 204, every other session ends and is announced, the factor and its codes are gone, the owner is told, and login needs the password only', async () => {
    const user = await enroll();
    const caller = await signInWithCode(user);
    const other = await signInWithCode(user);

    const response = await removeFactor(caller.body.accessToken, { code: totpCode(user.secret, step()) });

    expect(response.status).toBe(204);
    expect((await other.client.refresh()).status).toBe(401);
    expect((await caller.client.refresh()).status).toBe(200);
    expect(await eventually(() => revokedFor(user.userId).some((e) => e.payload.reason === 'mfa_disabled'))).toBe(true);
    const ended = revokedFor(user.userId)
      .filter((e) => e.payload.reason === 'mfa_disabled')
      .flatMap((e) => e.payload.sessionIds);
    expect(ended).toContain(claimsOf(other.body.accessToken).sid);
    expect(ended).not.toContain(claimsOf(caller.body.accessToken).sid);
    expect(await eventually(() => noticesFor(user.userId).some((e) => e.payload.kind === 'mfa_disabled'))).toBe(true);
    expect((await harness.pool.query('SELECT 1 FROM totp_factors WHERE user_id = $1', [user.userId])).rowCount).toBe(0);
    expect((await harness.pool.query('SELECT 1 FROM recovery_codes WHERE user_id = $1', [user.userId])).rowCount).toBe(0);
    const login = await new Client(harness.url).post('/api/auth/login', { email: user.email, password: PASSWORD });
    expect(claimsOf(((await login.json()) as LoginBody).accessToken).amr).toEqual(['pwd']);
  });

  it('when the password is given instead, then the factor goes too; a wrong one or a wrong code answers 400 naming it and changes nothing', async () => {
    const user = await enroll();
    const wrongPassword = await removeFactor(user.body.accessToken, { password: 'not the password at all' });
    expect(wrongPassword.status).toBe(400);
    expect(await wrongPassword.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'password' }] });
    const wrongCode = await removeFactor(user.body.accessToken, { code: wrongTotpCode(user.secret, step()) });
    expect(wrongCode.status).toBe(400);
    expect(await wrongCode.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'code' }] });
    expect((await harness.pool.query('SELECT 1 FROM totp_factors WHERE user_id = $1', [user.userId])).rowCount).toBe(1);

    expect((await removeFactor(user.body.accessToken, { password: PASSWORD })).status).toBe(204);

    const none = await removeFactor(user.body.accessToken, { password: PASSWORD });
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ code: 'mfa_factor_not_found' });
  });

  it('when both proofs, neither, or an unknown field is sent, then 400', async () => {
    const user = await enroll();
    for (const body of [{ code: totpCode(user.secret, step()), password: PASSWORD }, {}, { password: PASSWORD, force: true }]) {
      expect((await removeFactor(user.body.accessToken, body)).status).toBe(400);
    }
  });
});

describe('secrets and lifecycle', () => {
  it('when factors are set up, used and removed, then neither the secret, nor a recovery code, nor an mfaToken appears in a log line or the outbox', async () => {
    const user = await enroll();
    const { mfaToken } = await passwordStep(user.email);
    expect((await secondStep({ mfaToken, recoveryCode: user.recoveryCodes[0] })).status).toBe(200);
    expect((await removeFactor(user.body.accessToken, { password: PASSWORD })).status).toBe(204);

    const { rows } = await harness.pool.query<{ envelope: unknown }>('SELECT envelope FROM outbox');
    const outbox = JSON.stringify(rows);
    const logs = harness.logs.text();
    for (const secret of [user.secret, mfaToken, ...user.recoveryCodes, ...user.recoveryCodes.map((c) => c.replace('-', ''))]) {
      expect(logs).not.toContain(secret);
      expect(outbox).not.toContain(secret);
    }
    expect(outbox).toContain('"kind":"mfa_enabled"');
    expect(outbox).toContain('"kind":"mfa_disabled"');
  });

  it('when the user is deleted, then the factor and the recovery codes go with the credential', async () => {
    const user = await enroll();
    await harness.events.publish(createEvent('user.deleted', { userId: user.userId }));
    expect(await eventually(async () => (await harness.pool.query('SELECT 1 FROM credentials WHERE id = $1', [user.userId])).rowCount === 0)).toBe(true);
    expect((await harness.pool.query('SELECT 1 FROM totp_factors WHERE user_id = $1', [user.userId])).rowCount).toBe(0);
    expect((await harness.pool.query('SELECT 1 FROM recovery_codes WHERE user_id = $1', [user.userId])).rowCount).toBe(0);
    const login = await new Client(harness.url).post('/api/auth/login', { email: user.email, password: PASSWORD });
    expect(login.status).toBe(401);
  });

  it("when another account's mfaToken comes with this user's code, then 401: a first step opens only its own account", async () => {
    const user = await enroll();
    const stranger = await enroll();
    const { mfaToken } = await passwordStep(stranger.email);
    const response = await secondStep({ mfaToken, code: totpCode(user.secret, step()) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'mfa_code_invalid' });
  });
});
