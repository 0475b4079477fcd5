import { managementUrl, setCookies } from '@gatehouse/testing';
import { Client, email, eventually, PASSWORD, registerAndLogin, startAuth, type AuthHarness, type LoginBody } from './auth-harness';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('account', { TRUST_PROXY_HOPS: '1', PASSWORD_FORGOT_LIMIT: '3', LOGIN_IP_LIMIT: '1000' });
});
afterAll(() => harness.close());

const NEW_PASSWORD = 'a brand new passphrase';
const sessionIdOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
const bearer = (body: LoginBody) => ({ authorization: `Bearer ${body.accessToken}` });

async function loginAs(address: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<{ client: Client; body: LoginBody }> {
  const client = new Client(harness.url, headers);
  const response = await client.post('/api/auth/login', { email: address, password });
  if (response.status !== 200) throw new Error(`login answered ${response.status}`);
  return { client, body: (await response.json()) as LoginBody };
}

const revokedFor = (userId: string) => harness.events.named('session.revoked').filter((e) => e.payload.userId === userId);
const noticesFor = (userId: string) => harness.events.named('user.security_notice').filter((e) => e.payload.userId === userId);
const resetsFor = (userId: string) => harness.events.named('user.password_reset_requested').filter((e) => e.payload.userId === userId);

async function requestReset(address: string): Promise<string> {
  const from = { 'x-forwarded-for': `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}` };
  const response = await new Client(harness.url, from).post('/api/auth/password/forgot', { email: address });
  expect(response.status).toBe(202);
  const { rows } = await harness.pool.query<{ id: string }>('SELECT id FROM credentials WHERE email = $1', [address]);
  const before = resetsFor(rows[0]!.id).length;
  expect(await eventually(() => resetsFor(rows[0]!.id).length > before)).toBe(true);
  return resetsFor(rows[0]!.id).at(-1)!.payload.resetToken;
}

describe('GET /api/auth/sessions', () => {
  it('when a user is signed in twice, then both sessions are listed with their user agents, the caller marked current, and no address', async () => {
    const { email: address } = await registerAndLogin(harness);
    const { body: phone } = await loginAs(address, PASSWORD, { 'user-agent': 'Phone/1.0', 'x-forwarded-for': '203.0.113.50' });
    const { body: laptop } = await loginAs(address, PASSWORD, { 'user-agent': 'Laptop/2.0' });

    const response = await fetch(`${harness.url}/api/auth/sessions`, { headers: bearer(laptop) });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain('203.0.113.50');
    const { sessions } = JSON.parse(text) as { sessions: { id: string; userAgent: string | null; current: boolean; createdAt: string; lastUsedAt: string }[] };
    expect(sessions).toHaveLength(3);
    expect(sessions.find((s) => s.id === sessionIdOf(laptop.accessToken))).toMatchObject({ userAgent: 'Laptop/2.0', current: true });
    expect(sessions.find((s) => s.id === sessionIdOf(phone.accessToken))).toMatchObject({ userAgent: 'Phone/1.0', current: false });
    expect(sessions.every((s) => !Number.isNaN(Date.parse(s.createdAt)) && !Number.isNaN(Date.parse(s.lastUsedAt)))).toBe(true);
  });

  it('when the caller has no token, or the token of an ended session, then 401', async () => {
    const { client, body } = await registerAndLogin(harness);
    expect((await fetch(`${harness.url}/api/auth/sessions`)).status).toBe(401);
    expect((await client.logout()).status).toBe(204);
    const ended = await fetch(`${harness.url}/api/auth/sessions`, { headers: bearer(body) });
    expect(ended.status).toBe(401);
    expect(await ended.json()).toMatchObject({ code: 'token_invalid' });
  });
});

describe('DELETE /api/auth/sessions/:id', () => {
  it('when a user ends another of their sessions, then 204, it is announced, and its refresh token is dead', async () => {
    const { email: address, body: first } = await registerAndLogin(harness);
    const { client: other, body: second } = await loginAs(address);
    const response = await fetch(`${harness.url}/api/auth/sessions/${sessionIdOf(second.accessToken)}`, { method: 'DELETE', headers: bearer(first) });
    expect(response.status).toBe(204);
    expect((await other.refresh()).status).toBe(401);
    expect(await eventually(() => revokedFor(first.user.id).some((e) => e.payload.reason === 'session_ended_by_user'))).toBe(true);
    expect(revokedFor(first.user.id).find((e) => e.payload.reason === 'session_ended_by_user')!.payload.sessionIds).toEqual([sessionIdOf(second.accessToken)]);
  });

  it("when the id is someone else's session, unknown or not an id, then 404 and nothing ends", async () => {
    const { body: mine } = await registerAndLogin(harness);
    const { client: victim, body: theirs } = await registerAndLogin(harness);
    for (const id of [sessionIdOf(theirs.accessToken), '00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      const response = await fetch(`${harness.url}/api/auth/sessions/${id}`, { method: 'DELETE', headers: bearer(mine) });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: 'session_not_found' });
    }
    expect((await victim.refresh()).status).toBe(200);
  });
});

describe('POST /api/auth/logout-all', () => {
  it('when called with a Bearer token, then every session ends and is announced', async () => {
    const { email: address, client: first, body } = await registerAndLogin(harness);
    const { client: second } = await loginAs(address);
    const response = await fetch(`${harness.url}/api/auth/logout-all`, { method: 'POST', headers: bearer(body) });
    expect(response.status).toBe(204);
    expect((await first.refresh()).status).toBe(401);
    expect((await second.refresh()).status).toBe(401);
    expect(await eventually(() => revokedFor(body.user.id).some((e) => e.payload.reason === 'logout_all'))).toBe(true);
    expect(
      revokedFor(body.user.id)
        .filter((e) => e.payload.reason === 'logout_all')
        .flatMap((e) => e.payload.sessionIds),
    ).toHaveLength(2);
  });

  it('when called with the refresh cookie and its CSRF header, then 204 clears the cookies; without the header, 403 and nothing ends', async () => {
    const { client } = await registerAndLogin(harness);
    const copy = new Client(harness.url);
    for (const [k, v] of client.jar) copy.jar.set(k, v);
    expect((await copy.post('/api/auth/logout-all')).status).toBe(403);
    const response = await client.post('/api/auth/logout-all', undefined, { 'x-csrf-token': client.csrf() });
    expect(response.status).toBe(204);
    expect(setCookies(response)['__Secure-refresh_token']?.attributes['max-age']).toBe('0');
    expect((await copy.refresh()).status).toBe(401);
  });

  it('when the Bearer token belongs to an ended session, then 401 and the service stays up', async () => {
    const { client, body } = await registerAndLogin(harness);
    expect((await client.logout()).status).toBe(204);
    const response = await fetch(`${harness.url}/api/auth/logout-all`, { method: 'POST', headers: bearer(body) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'token_invalid' });
    expect((await fetch(`${managementUrl(harness.url)}/healthz`)).status).toBe(200);
  });

  it('when called with neither, then 401', async () => {
    expect((await new Client(harness.url).post('/api/auth/logout-all')).status).toBe(401);
  });
});

describe('password reset', () => {
  it('when an address asks for a reset, then 202 with the same body as for an unknown address, and only the known one gets a token', async () => {
    const { email: address, body } = await registerAndLogin(harness);
    const known = await new Client(harness.url, { 'x-forwarded-for': '198.19.0.1' }).post('/api/auth/password/forgot', { email: address });
    const unknown = await new Client(harness.url, { 'x-forwarded-for': '198.19.0.1' }).post('/api/auth/password/forgot', { email: email('ghost') });
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(await known.json()).toEqual(await unknown.json());
    expect(await eventually(() => resetsFor(body.user.id).length === 1)).toBe(true);
    const { rows } = await harness.pool.query('SELECT token_hash FROM password_resets WHERE user_id = $1', [body.user.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).not.toBe(resetsFor(body.user.id)[0]!.payload.resetToken);
  });

  it('when the token is used, then every session ends, the new password works, the email counts as verified, and the owner is told', async () => {
    const { email: address, client, body } = await registerAndLogin(harness);
    const token = await requestReset(address);
    const response = await new Client(harness.url, { 'user-agent': 'Resetter/1.0' }).post('/api/auth/password/reset', { token, password: NEW_PASSWORD });
    expect(response.status).toBe(204);
    expect((await client.refresh()).status).toBe(401);
    expect(await eventually(() => revokedFor(body.user.id).some((e) => e.payload.reason === 'password_changed'))).toBe(true);
    expect((await new Client(harness.url).post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(401);
    const relogin = await new Client(harness.url).post('/api/auth/login', { email: address, password: NEW_PASSWORD });
    expect(relogin.status).toBe(200);
    expect(((await relogin.json()) as LoginBody).user.emailVerified).toBe(true);
    expect(await eventually(() => noticesFor(body.user.id).some((e) => e.payload.kind === 'password_changed'))).toBe(true);
    expect(noticesFor(body.user.id).find((e) => e.payload.kind === 'password_changed')!.payload.userAgent).toBe('Resetter/1.0');
  });

  it('when the token was used, superseded or expired, then 400 reset_token_invalid', async () => {
    const { email: address } = await registerAndLogin(harness);
    const older = await requestReset(address);
    const newer = await requestReset(address);
    const attempt = (token: string) => new Client(harness.url).post('/api/auth/password/reset', { token, password: NEW_PASSWORD });
    const superseded = await attempt(older);
    expect(superseded.status).toBe(400);
    expect(await superseded.json()).toMatchObject({ code: 'reset_token_invalid' });
    expect((await attempt(newer)).status).toBe(204);
    expect((await attempt(newer)).status).toBe(400);
    expect((await attempt('A'.repeat(43))).status).toBe(400);

    const late = await requestReset(address);
    harness.advance(harness.config.PASSWORD_RESET_TTL_SECONDS * 1000 + 1);
    expect((await attempt(late)).status).toBe(400);
  });

  it('when two resets race with one token, then exactly one succeeds and the ended session is announced', async () => {
    const { email: address, body } = await registerAndLogin(harness);
    const token = await requestReset(address);
    const responses = await Promise.all(
      ['first racer passphrase', 'second racer passphrase'].map((password) => new Client(harness.url).post('/api/auth/password/reset', { token, password })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([204, 400]);
    expect(await eventually(() => revokedFor(body.user.id).some((e) => e.payload.sessionIds.includes(sessionIdOf(body.accessToken))))).toBe(true);
  });

  it('when resets are asked for at once, then only one link is live', async () => {
    const { email: address, body } = await registerAndLogin(harness);
    const from = (i: number) => new Client(harness.url, { 'x-forwarded-for': `198.20.0.${i}` });
    expect((await Promise.all([1, 2, 3].map((i) => from(i).post('/api/auth/password/forgot', { email: address })))).map((r) => r.status)).toEqual([
      202, 202, 202,
    ]);
    expect(await eventually(() => resetsFor(body.user.id).length === 3)).toBe(true);
    const { rows } = await harness.pool.query('SELECT 1 FROM password_resets WHERE user_id = $1 AND used_at IS NULL', [body.user.id]);
    expect(rows).toHaveLength(1);
  });

  it('when the password was changed after a reset link was sent, then the link no longer works', async () => {
    const { email: address, body } = await registerAndLogin(harness);
    const token = await requestReset(address);
    const change = await fetch(`${harness.url}/api/auth/password/change`, {
      method: 'POST',
      headers: { ...bearer(body), 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
    });
    expect(change.status).toBe(204);
    expect((await new Client(harness.url).post('/api/auth/password/reset', { token, password: 'an attacker passphrase' })).status).toBe(400);
  });

  it('when one address keeps trying reset tokens, then it is limited', async () => {
    const guesser = new Client(harness.url, { 'x-forwarded-for': '198.21.0.1' });
    const statuses: number[] = [];
    for (let i = 0; i <= harness.config.VERIFY_EMAIL_IP_LIMIT; i++)
      statuses.push((await guesser.post('/api/auth/password/reset', { token: 'A'.repeat(43), password: NEW_PASSWORD })).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 400)).toBe(true);
  });

  it('when the new password is weak, then 400 names it and the token still works', async () => {
    const { email: address } = await registerAndLogin(harness);
    const token = await requestReset(address);
    const weak = await new Client(harness.url).post('/api/auth/password/reset', { token, password: 'password' });
    expect(weak.status).toBe(400);
    expect(await weak.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'password' }] });
    expect((await new Client(harness.url).post('/api/auth/password/reset', { token, password: NEW_PASSWORD })).status).toBe(204);
  });

  it('when an address was backed off by failed logins, then a reset forgives them', async () => {
    const { email: address } = await registerAndLogin(harness);
    const attacker = new Client(harness.url, { 'x-forwarded-for': '198.51.100.33' });
    for (let i = 0; i < 5; i++) await attacker.post('/api/auth/login', { email: address, password: `guess ${i}` });
    expect((await attacker.post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(429);
    const token = await requestReset(address);
    expect((await new Client(harness.url).post('/api/auth/password/reset', { token, password: NEW_PASSWORD })).status).toBe(204);
    expect((await attacker.post('/api/auth/login', { email: address, password: NEW_PASSWORD })).status).toBe(200);
  });

  it('when one email is asked for too often, from any address, then 429 with Retry-After, for a known and an unknown email alike', async () => {
    const ask = (address: string) =>
      new Client(harness.url, { 'x-forwarded-for': `192.0.2.${Math.floor(Math.random() * 200) + 1}` }).post('/api/auth/password/forgot', { email: address });
    for (const address of [email('limit-known'), email('limit-ghost')]) {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await ask(address)).status);
      expect(statuses).toEqual([202, 202, 202, 429]);
    }
  });
});

describe('POST /api/auth/password/change', () => {
  it('when the current password is right, then 204, every other session ends, the caller keeps theirs, and the owner is told', async () => {
    const { email: address, client: caller, body } = await registerAndLogin(harness);
    const { client: other } = await loginAs(address);
    const response = await fetch(`${harness.url}/api/auth/password/change`, {
      method: 'POST',
      headers: { ...bearer(body), 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
    });
    expect(response.status).toBe(204);
    expect((await other.refresh()).status).toBe(401);
    expect((await caller.refresh()).status).toBe(200);
    expect((await new Client(harness.url).post('/api/auth/login', { email: address, password: NEW_PASSWORD })).status).toBe(200);
    expect(await eventually(() => noticesFor(body.user.id).some((e) => e.payload.kind === 'password_changed'))).toBe(true);
  });

  it('when the current password is wrong, then 401, and repeated guesses are throttled like logins', async () => {
    const { body } = await registerAndLogin(harness);
    const change = (currentPassword: string) =>
      fetch(`${harness.url}/api/auth/password/change`, {
        method: 'POST',
        headers: { ...bearer(body), 'content-type': 'application/json' },
        body: JSON.stringify({ currentPassword, newPassword: NEW_PASSWORD }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await change(`wrong guess ${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describe('theft notice', () => {
  it('when reuse ends a session, then the owner is told with the time and the user agent', async () => {
    const { client, body } = await registerAndLogin(harness);
    const thief = new Client(harness.url, { 'user-agent': 'Thief/6.6' });
    for (const [k, v] of client.jar) thief.jar.set(k, v);
    expect((await client.refresh()).status).toBe(200);
    harness.advance(harness.config.REFRESH_REUSE_GRACE_SECONDS * 1000 + 1);
    expect((await thief.refresh()).status).toBe(401);
    expect(await eventually(() => noticesFor(body.user.id).some((e) => e.payload.kind === 'session_reuse_detected'))).toBe(true);
    expect(noticesFor(body.user.id).find((e) => e.payload.kind === 'session_reuse_detected')!.payload).toMatchObject({
      email: body.user.email,
      userAgent: 'Thief/6.6',
    });
  });
});
