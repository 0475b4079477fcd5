import { startSmtpCapture, totpCode, totpStep, wrongTotpCode, type SmtpCapture } from '@gatehouse/testing';
import { codeOf, gatewayClient } from './gateway-client';
import { mailbox, subjectOf, type Mailbox } from './mailbox';
import { startSystem, type System } from './system';

// One client address plays every user of this file; the per-address limits have tests of their own.
const ROOMY_LIMITS = { LOGIN_IP_LIMIT: '1000', REGISTER_IP_LIMIT: '1000' };
const MFA_FAILURE_LIMIT = 5;

let smtp: SmtpCapture;
let mail: Mailbox;
let system: System;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  mail = mailbox(smtp);
  system = await startSystem('mfa', {
    smtpUrl: smtp.url,
    auth: { ...ROOMY_LIMITS, MFA_FAILURE_LIMIT: String(MFA_FAILURE_LIMIT) },
    gateway: { MFA_REQUIRED_PREFIXES: '/api/admin' },
  });
}, 90_000);
afterAll(async () => {
  await system?.stop();
  await smtp?.close();
});

const PASSWORD = 'an mfa end-to-end passphrase';
let counter = 0;
const newEmail = () => `mfa.${++counter}.${Date.now()}@example.com`;
const { api, login, profileStatus, expectRefusedWithinASecond, ...client } = gatewayClient(() => system.gateway.url, PASSWORD);

interface Challenge {
  mfaRequired: boolean;
  mfaToken: string;
  methods: string[];
}

const amrOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { amr?: string[] }).amr;
const cookiesOf = (response: Response) =>
  response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

/**
 * The services run on the real clock. Codes are computed for steps around now, so a test about
 * to compare steps first waits out the last seconds of a step, when a request could land in the
 * next one.
 */
async function awayFromStepEdge(): Promise<void> {
  const into = Date.now() % 30_000;
  if (into > 25_000) await new Promise((r) => setTimeout(r, 30_000 - into + 200));
}

async function passwordStep(email: string, password = PASSWORD): Promise<{ response: Response; challenge: Challenge }> {
  const response = await api('/api/auth/login', { body: { email, password } });
  expect(response.status).toBe(200);
  return { response, challenge: (await response.json()) as Challenge };
}

const secondStep = (mfaToken: string, proof: { code: string } | { recoveryCode: string }) => api('/api/auth/login/mfa', { body: { mfaToken, ...proof } });

/** Sets up and confirms an authenticator app with the access token; the confirming step is spent. */
async function enroll(accessToken: string): Promise<{ secret: string; recoveryCodes: string[]; confirmedStep: number }> {
  await awayFromStepEdge();
  const started = await api('/api/auth/mfa/totp/setup', { method: 'POST', token: accessToken });
  expect(started.status).toBe(200);
  const { secret } = (await started.json()) as { secret: string };
  const confirmedStep = totpStep(Date.now());
  const confirmed = await api('/api/auth/mfa/totp/confirm', { token: accessToken, body: { code: totpCode(secret, confirmedStep) } });
  expect(confirmed.status).toBe(200);
  const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
  return { secret, recoveryCodes, confirmedStep };
}

async function member(): Promise<{ email: string; accessToken: string }> {
  const email = await client.register(newEmail());
  return { email, accessToken: (await login(email)).accessToken };
}

describe('second factor through the gateway', () => {
  it('when an admin turns on an authenticator app, then admin paths need it: password-only tokens get 403 mfa_required, the code login reaches them, and a replayed or far-off code is refused', async () => {
    const { email, password } = system.admin;
    const passwordOnly = await login(email, password);
    const refused = await api('/api/admin/users', { token: passwordOnly.accessToken });
    expect({ status: refused.status, code: await codeOf(refused) }).toEqual({ status: 403, code: 'mfa_required' });
    expect(await profileStatus(passwordOnly.accessToken)).toBe(200);

    const { secret, confirmedStep } = await enroll(passwordOnly.accessToken);

    const { response: first, challenge } = await passwordStep(email, password);
    expect(first.headers.getSetCookie()).toEqual([]);
    expect(challenge).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery_code'] });
    expect(challenge).not.toHaveProperty('accessToken');
    await awayFromStepEdge();
    for (const offset of [-2, +2]) {
      const far = await secondStep(challenge.mfaToken, { code: totpCode(secret, totpStep(Date.now()) + offset) });
      expect({ offset, status: far.status, code: await codeOf(far) }).toEqual({ offset, status: 401, code: 'mfa_code_invalid' });
    }
    // The confirming code's step is spent; the app one step ahead is within the drift.
    const code = totpCode(secret, confirmedStep + 1);
    const second = await secondStep(challenge.mfaToken, { code });
    expect(second.status).toBe(200);
    const signedIn = (await second.json()) as { accessToken: string; csrfToken: string };
    expect(amrOf(signedIn.accessToken)).toEqual(['pwd', 'otp']);

    expect((await api('/api/admin/users', { token: signedIn.accessToken })).status).toBe(200);
    expect(await profileStatus(signedIn.accessToken)).toBe(200);
    const refreshed = await api('/api/auth/refresh', { method: 'POST', headers: { cookie: cookiesOf(second), 'x-csrf-token': signedIn.csrfToken } });
    expect(refreshed.status).toBe(200);
    const renewed = ((await refreshed.json()) as { accessToken: string }).accessToken;
    expect(amrOf(renewed)).toEqual(['pwd', 'otp']);
    expect((await api('/api/admin/users', { token: renewed })).status).toBe(200);

    const replay = await secondStep((await passwordStep(email, password)).challenge.mfaToken, { code });
    expect({ status: replay.status, code: await codeOf(replay) }).toEqual({ status: 401, code: 'mfa_code_invalid' });
    await mail.waitFor(email, 'the “two-step sign-in turned on” email', (m) => /turned on/i.test(subjectOf(m)));
  });

  it('when recovery codes are used, then each signs in once; removing the app with the password ends the other session within a second and sends an email', async () => {
    const { email, accessToken } = await member();
    const { recoveryCodes } = await enroll(accessToken);
    const [first, second] = recoveryCodes as [string, string];

    const used = await secondStep((await passwordStep(email)).challenge.mfaToken, { recoveryCode: first });
    expect(used.status).toBe(200);
    const caller = (await used.json()) as { accessToken: string };
    expect(amrOf(caller.accessToken)).toEqual(['pwd', 'otp']);
    const again = await secondStep((await passwordStep(email)).challenge.mfaToken, { recoveryCode: first });
    expect({ status: again.status, code: await codeOf(again) }).toEqual({ status: 401, code: 'mfa_code_invalid' });
    const other = (await (await secondStep((await passwordStep(email)).challenge.mfaToken, { recoveryCode: second })).json()) as { accessToken: string };

    const removed = await api('/api/auth/mfa/totp', { method: 'DELETE', token: caller.accessToken, body: { password: PASSWORD } });
    expect(removed.status).toBe(204);
    const started = Date.now();

    await expectRefusedWithinASecond(other.accessToken, started);
    expect(await profileStatus(caller.accessToken)).toBe(200);
    await mail.waitFor(email, 'the “two-step sign-in turned off” email', (m) => /turned off/i.test(subjectOf(m)));
    expect(amrOf((await login(email)).accessToken)).toEqual(['pwd']);
  });

  it('when wrong codes arrive in a parallel burst, then the account budget holds: the rest, and then the right code, get 429 with Retry-After', async () => {
    const { email, accessToken } = await member();
    const { secret } = await enroll(accessToken);
    const tokens = await Promise.all([1, 2, 3].map(async () => (await passwordStep(email)).challenge.mfaToken));
    const wrong = wrongTotpCode(secret, totpStep(Date.now()));

    const answers = await Promise.all(tokens.flatMap((token) => [1, 2, 3].map(() => secondStep(token, { code: wrong }))));

    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([...Array<number>(MFA_FAILURE_LIMIT).fill(401), ...Array<number>(9 - MFA_FAILURE_LIMIT).fill(429)]);
    const right = await secondStep((await passwordStep(email)).challenge.mfaToken, { code: totpCode(secret, totpStep(Date.now()) + 1) });
    expect({ status: right.status, code: await codeOf(right) }).toEqual({ status: 429, code: 'rate_limited' });
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('when the setup routes are called without an access token, then the gateway answers 401 before auth sees them', async () => {
    for (const [path, method] of [
      ['/api/auth/mfa/totp/setup', 'POST'],
      ['/api/auth/mfa/totp/confirm', 'POST'],
      ['/api/auth/mfa/totp', 'DELETE'],
    ] as const) {
      const response = await api(path, { method });
      expect({ path, status: response.status, challenge: response.headers.get('www-authenticate') }).toEqual({ path, status: 401, challenge: 'Bearer' });
    }
  });
});
