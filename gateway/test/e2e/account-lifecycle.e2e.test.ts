import { randomUUID } from 'node:crypto';
import { startSmtpCapture, type CapturedEmail, type SmtpCapture } from '@gatehouse/testing';
import { codeOf, gatewayClient } from './gateway-client';
import { mailbox, subjectOf, tokenLinkIn, tokenOf, type Mailbox } from './mailbox';
import { startSystem, type System } from './system';

// One client address plays every user of this file; the per-address limits have tests of their own.
const ROOMY_LIMITS = { LOGIN_IP_LIMIT: '1000', REGISTER_IP_LIMIT: '1000', PASSWORD_FORGOT_LIMIT: '1000', VERIFY_EMAIL_IP_LIMIT: '1000' };
// No grace, so presenting a rotated refresh token again is reuse at once rather than after 10 s.
const NO_REUSE_GRACE = { REFRESH_REUSE_GRACE_SECONDS: '0' };

let smtp: SmtpCapture;
let mail: Mailbox;
let system: System;
let concealing: System;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  mail = mailbox(smtp);
  [system, concealing] = await Promise.all([
    startSystem('lifecycle', { smtpUrl: smtp.url, auth: { ...ROOMY_LIMITS, ...NO_REUSE_GRACE } }),
    startSystem('conceal', { smtpUrl: smtp.url, auth: { ...ROOMY_LIMITS, REGISTRATION_CONCEALS_EXISTING: 'true' } }),
  ]);
}, 90_000);
afterAll(async () => {
  await Promise.all([system?.stop(), concealing?.stop()]);
  await smtp?.close();
});

const PASSWORD = 'an account lifecycle passphrase';
const NEW_PASSWORD = 'a fresh lifecycle passphrase';
const RESET_PATH = '/api/auth/password/reset';
const VERIFY_PATH = '/api/auth/verify-email';
let counter = 0;
const newEmail = () => `lifecycle.${++counter}.${Date.now()}@example.com`;

const { api, login, refresh, profileStatus, expectRefusedWithinASecond, ...client } = gatewayClient(() => system.gateway.url, PASSWORD);
const register = (email = newEmail()) => client.register(email);
const concealingGateway = gatewayClient(() => concealing.gateway.url, PASSWORD);

const isResetEmail = (m: CapturedEmail) => tokenLinkIn(m, RESET_PATH) !== undefined;
const isPasswordNotice = (m: CapturedEmail) => /password/i.test(subjectOf(m)) && !isResetEmail(m);

/** Asks for a reset the way a user does and returns the token of the link that arrives. */
async function emailedResetToken(email: string): Promise<string> {
  const skip = mail.to(email).length;
  expect((await api('/api/auth/password/forgot', { body: { email } })).status).toBe(202);
  const message = await mail.waitFor(email, 'the reset email', isResetEmail, { skip });
  const link = tokenLinkIn(message, RESET_PATH)!;
  expect(link.startsWith(`${system.gateway.url}${RESET_PATH}?token=`)).toBe(true);
  return tokenOf(link);
}

const reset = (token: string, password = NEW_PASSWORD) => api(RESET_PATH, { body: { token, password } });

describe('password reset by email', () => {
  it('when a user follows the emailed link and sets a new password, then only the new one works, every session ends within a second, and a notice arrives', async () => {
    const email = await register();
    const old = await login(email);
    expect((await api('/api/auth/password/forgot', { body: { email } })).status).toBe(202);
    const message = await mail.waitFor(email, 'the reset email', isResetEmail);
    const link = tokenLinkIn(message, RESET_PATH)!;
    expect(link.startsWith(system.gateway.url)).toBe(true);

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await profileStatus(old.accessToken)).toBe(200);
    await login(email, PASSWORD);
    let throttled = false;
    for (let attempt = 0; attempt < 12 && !throttled; attempt++) {
      throttled = (await api('/api/auth/login', { body: { email, password: 'not the password at all' } })).status === 429;
    }
    expect(throttled).toBe(true);

    const answer = await reset(tokenOf(link));
    expect(answer.status).toBe(204);
    const started = Date.now();

    await expectRefusedWithinASecond(old.accessToken, started);
    const oldPassword = await api('/api/auth/login', { body: { email, password: PASSWORD } });
    expect({ status: oldPassword.status, code: await codeOf(oldPassword) }).toEqual({ status: 401, code: 'invalid_credentials' });
    const fresh = await login(email, NEW_PASSWORD);
    expect(fresh.user.emailVerified).toBe(true);
    await mail.waitFor(email, 'the password-changed notice', isPasswordNotice);
  });

  it('when a weak password is refused, then the link still works once, and a second use answers 400 reset_token_invalid', async () => {
    const email = await register();
    const token = await emailedResetToken(email);

    const weak = await reset(token, 'password');
    expect({ status: weak.status, code: await codeOf(weak) }).toEqual({ status: 400, code: 'validation_failed' });
    expect((await reset(token)).status).toBe(204);
    const again = await reset(token, 'yet another lifecycle passphrase');

    expect(again.status).toBe(400);
    expect(again.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await codeOf(again)).toBe('reset_token_invalid');
    await login(email, NEW_PASSWORD);
  });

  it('when a newer reset is requested, then the older link is void, and of two concurrent resets with the newer link exactly one succeeds', async () => {
    const email = await register();
    const older = await emailedResetToken(email);
    const newer = await emailedResetToken(email);

    const stale = await reset(older);
    expect({ status: stale.status, code: await codeOf(stale) }).toEqual({ status: 400, code: 'reset_token_invalid' });
    const answers = await Promise.all([reset(newer, 'first concurrent passphrase'), reset(newer, 'second concurrent passphrase')]);

    expect(answers.map((a) => a.status).sort()).toEqual([204, 400]);
    expect(await codeOf(answers.find((a) => a.status === 400)!)).toBe('reset_token_invalid');
  });

  it('when the address has no account, then the answer is the same 202 and no email is sent', async () => {
    const known = await register();
    const unknown = newEmail();

    const [forKnown, forUnknown] = await Promise.all([
      api('/api/auth/password/forgot', { body: { email: known } }),
      api('/api/auth/password/forgot', { body: { email: unknown } }),
    ]);

    expect(forUnknown.status).toBe(202);
    expect(forKnown.status).toBe(202);
    expect(await forUnknown.json()).toEqual(await forKnown.json());
    await mail.waitFor(known, 'the reset email', isResetEmail);
    await new Promise((r) => setTimeout(r, 300));
    expect(mail.subjects(unknown)).toEqual([]);
  });
});

describe('password change', () => {
  it('when a signed-in user changes the password, then every other session ends within a second, the caller’s lives on, and a notice arrives', async () => {
    const email = await register();
    const caller = await login(email, PASSWORD, 'lifecycle-laptop');
    const other = await login(email, PASSWORD, 'lifecycle-phone');
    const change = (currentPassword: string) =>
      api('/api/auth/password/change', { token: caller.accessToken, body: { currentPassword, newPassword: NEW_PASSWORD } });

    const wrong = await change('not the current password');
    expect({ status: wrong.status, code: await codeOf(wrong) }).toEqual({ status: 401, code: 'invalid_credentials' });
    expect((await change(PASSWORD)).status).toBe(204);
    const started = Date.now();

    await expectRefusedWithinASecond(other.accessToken, started);
    expect(await profileStatus(caller.accessToken)).toBe(200);
    expect((await refresh(caller)).status).toBe(200);
    expect((await api('/api/auth/login', { body: { email, password: PASSWORD } })).status).toBe(401);
    await login(email, NEW_PASSWORD);
    await mail.waitFor(email, 'the password-changed notice', isPasswordNotice);
  });

  it('when the current password is guessed wrong again and again, then the change is throttled with 429 and Retry-After', async () => {
    const email = await register();
    const { accessToken } = await login(email);
    const guess = () => api('/api/auth/password/change', { token: accessToken, body: { currentPassword: 'a wrong guess', newPassword: NEW_PASSWORD } });

    let answer = await guess();
    for (let attempt = 1; attempt < 12 && answer.status === 401; attempt++) answer = await guess();

    expect(answer.status).toBe(429);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('sessions', () => {
  it('when a user lists sessions, then each login appears with its user agent, only the caller’s is current, and no address is disclosed', async () => {
    const email = await register();
    const laptop = await login(email, PASSWORD, 'lifecycle-laptop/1.0');
    await login(email, PASSWORD, 'lifecycle-phone/2.0');

    const response = await api('/api/auth/sessions', { token: laptop.accessToken });

    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toMatch(/127\.0\.0\.1|::1|::ffff:/);
    const { sessions } = JSON.parse(text) as { sessions: Record<string, unknown>[] };
    for (const session of sessions) expect(Object.keys(session).sort()).toEqual(['createdAt', 'current', 'id', 'lastUsedAt', 'userAgent']);
    const summary = sessions
      .map((s) => ({ userAgent: s.userAgent, current: s.current }))
      .sort((a, b) => String(a.userAgent).localeCompare(String(b.userAgent)));
    expect(summary).toEqual([
      { userAgent: 'lifecycle-laptop/1.0', current: true },
      { userAgent: 'lifecycle-phone/2.0', current: false },
    ]);
  });

  it('when a user ends another of their sessions, then the gateway refuses its access token within a second and the caller’s lives on', async () => {
    const email = await register();
    const caller = await login(email, PASSWORD, 'lifecycle-laptop');
    const other = await login(email, PASSWORD, 'lifecycle-phone');
    const listed = (await (await api('/api/auth/sessions', { token: caller.accessToken })).json()) as { sessions: { id: string; current: boolean }[] };
    const otherId = listed.sessions.find((s) => !s.current)!.id;

    expect((await api(`/api/auth/sessions/${otherId}`, { method: 'DELETE', token: caller.accessToken })).status).toBe(204);
    const started = Date.now();

    await expectRefusedWithinASecond(other.accessToken, started);
    expect(await profileStatus(caller.accessToken)).toBe(200);
    expect((await refresh(other)).status).toBe(401);
  });

  it('when a user names someone else’s session or an unknown id, then the answer is 404 session_not_found and that session lives on', async () => {
    const mallory = await login(await register());
    const victim = await login(await register());
    const listed = (await (await api('/api/auth/sessions', { token: victim.accessToken })).json()) as { sessions: { id: string }[] };

    const foreign = await api(`/api/auth/sessions/${listed.sessions[0]!.id}`, { method: 'DELETE', token: mallory.accessToken });
    const unknown = await api(`/api/auth/sessions/${randomUUID()}`, { method: 'DELETE', token: mallory.accessToken });

    expect({ status: foreign.status, code: await codeOf(foreign) }).toEqual({ status: 404, code: 'session_not_found' });
    expect({ status: unknown.status, code: await codeOf(unknown) }).toEqual({ status: 404, code: 'session_not_found' });
    expect(await profileStatus(victim.accessToken)).toBe(200);
    expect((await refresh(victim)).status).toBe(200);
  });

  it('when a user logs out everywhere with the access token, then the gateway refuses every session within a second', async () => {
    const email = await register();
    const sessions = [await login(email), await login(email), await login(email)];

    expect((await api('/api/auth/logout-all', { method: 'POST', token: sessions[0]!.accessToken })).status).toBe(204);
    const started = Date.now();

    for (const session of sessions) await expectRefusedWithinASecond(session.accessToken, started);
  });

  it('when a user logs out everywhere with the refresh cookie and CSRF header, then every session ends and both cookies are cleared', async () => {
    const email = await register();
    const caller = await login(email);
    const other = await login(email);

    const response = await api('/api/auth/logout-all', { method: 'POST', headers: { cookie: caller.cookies, 'x-csrf-token': caller.csrf } });

    expect(response.status).toBe(204);
    const started = Date.now();
    const cleared = response.headers
      .getSetCookie()
      .filter((c) => /max-age=0|expires=thu, 01 jan 1970/i.test(c))
      .map((c) => c.split('=')[0]);
    expect(cleared.sort()).toEqual(
      caller.cookies
        .split('; ')
        .map((c) => c.split('=')[0])
        .sort(),
    );
    await expectRefusedWithinASecond(other.accessToken, started);
    await expectRefusedWithinASecond(caller.accessToken, started);
    expect((await refresh(caller)).status).toBe(401);
  });

  it('when a rotated refresh token is presented again, then the session ends and the owner gets a “may have been stolen” email', async () => {
    const email = await register();
    const session = await login(email);
    expect((await refresh(session)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));

    const replayed = await refresh(session);

    expect({ status: replayed.status, code: await codeOf(replayed) }).toEqual({ status: 401, code: 'refresh_token_reused' });
    await mail.waitFor(email, 'the stolen-session notice', (m) => /sign|session|stolen/i.test(subjectOf(m)) && !tokenLinkIn(m, VERIFY_PATH));
  });
});

describe('email verification', () => {
  it('when the emailed link is opened, then a page shows and nothing is verified until its button posts the token', async () => {
    const email = await register();
    const message = await mail.waitFor(email, 'the confirmation email', (m) => tokenLinkIn(m, VERIFY_PATH) !== undefined);
    const link = tokenLinkIn(message, VERIFY_PATH)!;
    expect(link.startsWith(system.gateway.url)).toBe(true);

    for (const opening of [await fetch(link), await fetch(link)]) {
      expect(opening.status).toBe(200);
      expect(opening.headers.get('content-type')).toMatch(/text\/html/);
    }
    expect((await login(email)).user.emailVerified).toBe(false);
    const confirmed = await api(VERIFY_PATH, { body: { token: tokenOf(link) } });

    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toEqual({ emailVerified: true });
    expect((await login(email)).user.emailVerified).toBe(true);
  });
});

describe('registration that conceals existing accounts', () => {
  it('when an address is registered again, then it gets the same 202 as a new one, its owner is told by email, and the newcomer gets the confirmation', async () => {
    const registerThere = (email: string, password: string) => concealingGateway.api('/api/auth/register', { body: { email, password } });
    const owner = newEmail();
    const first = await registerThere(owner, PASSWORD);
    expect(first.status).toBe(202);
    const hasVerifyLink = (m: CapturedEmail) => tokenLinkIn(m, VERIFY_PATH) !== undefined;
    await mail.waitFor(owner, 'the owner’s confirmation email', hasVerifyLink);
    const newcomer = newEmail();

    const [again, fresh] = await Promise.all([registerThere(owner, 'an intruder passphrase'), registerThere(newcomer, PASSWORD)]);

    expect({ status: again.status, body: await again.json() }).toEqual({ status: 202, body: { status: 'pending_verification' } });
    expect({ status: fresh.status, body: await fresh.json() }).toEqual({ status: 202, body: { status: 'pending_verification' } });
    await mail.waitFor(owner, 'the “someone tried to register” email', (m) => /register|account/i.test(subjectOf(m)) && !hasVerifyLink(m));
    await mail.waitFor(newcomer, 'the newcomer’s confirmation email', hasVerifyLink);
    expect(mail.to(owner).filter(hasVerifyLink)).toHaveLength(1);
    // While registration conceals accounts, an unverified one signs in like a wrong password
    // (or a chosen-password registration plus a login would tell taken from free): confirm first.
    expect((await concealingGateway.api('/api/auth/login', { body: { email: owner, password: PASSWORD } })).status).toBe(401);
    const token = new URL(tokenLinkIn(mail.to(owner).find(hasVerifyLink)!, VERIFY_PATH)!).searchParams.get('token');
    expect((await concealingGateway.api('/api/auth/verify-email', { body: { token } })).status).toBe(200);
    await concealingGateway.login(owner, PASSWORD);
  });
});
