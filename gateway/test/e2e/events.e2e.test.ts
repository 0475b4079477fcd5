import { startBrokerProxy, startSmtpCapture, type BrokerProxy, type SmtpCapture } from '@gatehouse/testing';
import { startSystem, type System } from './system';

let smtp: SmtpCapture;
let broker: BrokerProxy;
let system: System;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  broker = await startBrokerProxy();
  system = await startSystem('events', { smtpUrl: smtp.url, authAmqpUrl: broker.url });
}, 90_000);
afterAll(async () => {
  await system?.stop();
  await broker?.close();
  await smtp?.close();
});

let counter = 0;
const newEmail = () => `events.${++counter}.${Date.now()}@example.com`;
const PASSWORD = 'an events passphrase';

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${system.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const mailsTo = (address: string) => smtp.received.filter((m) => m.to.includes(address));
const linkIn = (mail: { decoded: string }) => /https?:\/\/[^\s"<>]+verify-email\?token=[A-Za-z0-9_-]{43}/.exec(mail.decoded)?.[0];

async function login(email: string): Promise<{ accessToken: string; user: { emailVerified: boolean }; cookies: string; csrf: string }> {
  const response = await post('/api/auth/login', { email, password: PASSWORD });
  expect(response.status).toBe(200);
  const cookies = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const body = (await response.json()) as { accessToken: string; csrfToken: string; user: { emailVerified: boolean } };
  return { ...body, cookies, csrf: body.csrfToken };
}

describe('confirmation email', () => {
  it('when a user registers, then one email with a link arrives, and confirming on its page verifies the account everywhere', async () => {
    const email = newEmail();
    expect((await post('/api/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const mail = await until('the confirmation email', () => mailsTo(email)[0]);
    const link = linkIn(mail)!;
    expect(link.startsWith(system.gateway.url)).toBe(true);

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const token = new URL(link).searchParams.get('token')!;
    // What the page's button does.
    expect((await post('/api/auth/verify-email', { token })).status).toBe(200);
    expect((await post('/api/auth/verify-email', { token })).status).toBe(400);

    const session = await login(email);
    expect(session.user.emailVerified).toBe(true);
    const profile = await until('the verified profile', async () => {
      const response = await fetch(`${system.gateway.url}/api/user/profile`, { headers: { authorization: `Bearer ${session.accessToken}` } });
      const body = (await response.json()) as { emailVerified?: boolean };
      return body.emailVerified ? body : undefined;
    });
    expect(profile.emailVerified).toBe(true);
    expect(mailsTo(email)).toHaveLength(1);
  });

  it('when the broker is unreachable during registration, then registration succeeds and exactly one email arrives once it is back', async () => {
    await broker.cut();
    const email = newEmail();
    try {
      expect((await post('/api/auth/register', { email, password: PASSWORD })).status).toBe(201);
      await new Promise((r) => setTimeout(r, 500));
      expect(mailsTo(email)).toHaveLength(0);
    } finally {
      await broker.heal();
    }
    await until('the delayed email', () => mailsTo(email)[0], 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(mailsTo(email)).toHaveLength(1);
  });
});

describe('deletion', () => {
  it('when an admin deletes a user, then the gateway refuses their token within a second, and login and refresh fail', async () => {
    const email = newEmail();
    const registered = await post('/api/auth/register', { email, password: PASSWORD });
    const { id } = (await registered.json()) as { id: string };
    const victim = await login(email);
    const asVictim = () => fetch(`${system.gateway.url}/api/user/profile`, { headers: { authorization: `Bearer ${victim.accessToken}` } });
    expect((await asVictim()).status).toBe(200);

    const adminLogin = await post('/api/auth/login', { email: system.admin.email, password: system.admin.password });
    const { accessToken: adminToken } = (await adminLogin.json()) as { accessToken: string };
    const deleted = await fetch(`${system.gateway.url}/api/admin/users/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminToken}` } });
    expect(deleted.status).toBe(204);
    const started = Date.now();

    await until('the gateway to refuse the deleted user', async () => ((await asVictim()).status === 401 ? true : undefined), 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);

    await until('auth to delete the credentials', async () =>
      (await post('/api/auth/login', { email, password: PASSWORD })).status === 401 ? true : undefined,
    );
    const refresh = await post('/api/auth/refresh', undefined, { cookie: victim.cookies, 'x-csrf-token': victim.csrf });
    expect(refresh.status).toBe(401);
  });
});

describe('logout', () => {
  it('when a user logs out, then every gateway refuses that session’s access token within a second, and the refresh cookie is dead', async () => {
    const email = newEmail();
    expect((await post('/api/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const session = await login(email);
    const other = await login(email);
    const asUser = (token: string) => fetch(`${system.gateway.url}/api/user/profile`, { headers: { authorization: `Bearer ${token}` } });
    expect((await asUser(session.accessToken)).status).toBe(200);

    const loggedOut = await post('/api/auth/logout', undefined, { cookie: session.cookies, 'x-csrf-token': session.csrf });
    expect(loggedOut.status).toBe(204);
    const started = Date.now();

    await until('the gateway to refuse the logged-out session', async () => ((await asUser(session.accessToken)).status === 401 ? true : undefined), 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await asUser(other.accessToken)).status).toBe(200);
    const refresh = await post('/api/auth/refresh', undefined, { cookie: session.cookies, 'x-csrf-token': session.csrf });
    expect(refresh.status).toBe(401);
  });
});

describe('lifecycle emails across a broker cut', () => {
  it('when the broker is unreachable while a reset is asked for, then the answer is 202 and exactly one reset email arrives once it is back', async () => {
    const email = newEmail();
    expect((await post('/api/auth/register', { email, password: PASSWORD })).status).toBe(201);
    await until('the confirmation email', () => mailsTo(email)[0]);
    await broker.cut();
    try {
      expect((await post('/api/auth/password/forgot', { email })).status).toBe(202);
      await new Promise((r) => setTimeout(r, 500));
      expect(mailsTo(email)).toHaveLength(1);
    } finally {
      await broker.heal();
    }
    await until('the reset email', () => mailsTo(email).find((m) => /password\/reset\?token=/.test(m.decoded)), 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(mailsTo(email).filter((m) => /password\/reset\?token=/.test(m.decoded))).toHaveLength(1);
  });
});
