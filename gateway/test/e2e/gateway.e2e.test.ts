import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startSystem, type System } from './system';
import { signTestJwt } from '@gatehouse/testing';

let system: System;
beforeAll(async () => {
  system = await startSystem('gateway');
}, 60_000);
afterAll(async () => {
  await system?.stop();
});

/** A cookie-keeping client that talks only to the gateway. */
class Browser {
  private readonly jar = new Map<string, string>();
  accessToken = '';

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(`${system.gateway.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(cookie ? { cookie } : {}),
        ...(this.accessToken ? { authorization: `Bearer ${this.accessToken}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (value === '' || /max-age=0/i.test(header)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return response;
  }

  csrf(): string {
    return this.jar.get('__Host-csrf_token') ?? '';
  }

  async login(email: string, password: string): Promise<Response> {
    const response = await this.call('POST', '/api/auth/login', { email, password });
    if (response.status === 200) this.accessToken = ((await response.clone().json()) as { accessToken: string }).accessToken;
    return response;
  }
}

let counter = 0;
const newEmail = () => `e2e.${++counter}.${Date.now()}@example.com`;
const PASSWORD = 'an end to end passphrase';

async function signedUpUser(): Promise<{ browser: Browser; email: string; id: string }> {
  const browser = new Browser();
  const email = newEmail();
  const registered = await browser.call('POST', '/api/auth/register', { email, password: PASSWORD, name: 'E2E' });
  expect(registered.status).toBe(201);
  const { id } = (await registered.json()) as { id: string };
  expect((await browser.login(email, PASSWORD)).status).toBe(200);
  return { browser, email, id };
}

/** How many profile requests the user service has answered, from its own metrics. */
async function profileHits(): Promise<number> {
  const metrics = await (await fetch(`${system.user.managementUrl}/metrics`)).text();
  return [...metrics.matchAll(/http_request_duration_seconds_count\{[^}]*route="\/api\/user\/profile"[^}]*\} (\d+)/g)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

describe('the whole flow through the gateway', () => {
  it('when a user registers, logs in, edits the profile, refreshes and logs out, then every step works', async () => {
    const { browser, email, id } = await signedUpUser();

    const profile = await browser.call('GET', '/api/user/profile');
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ id, email, name: 'E2E', roles: ['user'] });

    const updated = await browser.call('PUT', '/api/user/profile', { name: 'Ada Lovelace', bio: 'Analyst', locale: 'en-GB' });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ id, name: 'Ada Lovelace', bio: 'Analyst', locale: 'en-GB' });
    expect(((await (await browser.call('GET', '/api/user/profile')).json()) as { name: string }).name).toBe('Ada Lovelace');

    const escalation = await browser.call('PUT', '/api/user/profile', { roles: ['admin'] });
    expect(escalation.status).toBe(400);

    const refreshed = await browser.call('POST', '/api/auth/refresh', undefined, { 'x-csrf-token': browser.csrf() });
    expect(refreshed.status).toBe(200);
    browser.accessToken = ((await refreshed.json()) as { accessToken: string }).accessToken;
    expect((await browser.call('GET', '/api/user/profile')).status).toBe(200);

    expect((await browser.call('POST', '/api/auth/logout', undefined, { 'x-csrf-token': browser.csrf() })).status).toBe(204);
    expect((await browser.call('POST', '/api/auth/refresh', undefined, { 'x-csrf-token': browser.csrf() })).status).toBe(403);
  });

  it('when an admin lists and deletes users, then pagination works and the deleted user is gone; a non-admin gets 403', async () => {
    const victim = await signedUpUser();
    await victim.browser.call('GET', '/api/user/profile');
    expect((await victim.browser.call('GET', '/api/admin/users')).status).toBe(403);

    const admin = new Browser();
    expect((await admin.login(system.admin.email, system.admin.password)).status).toBe(200);
    const page = await admin.call('GET', '/api/admin/users?limit=100');
    expect(page.status).toBe(200);
    const { users } = (await page.json()) as { users: { id: string }[] };
    expect(users.map((u) => u.id)).toContain(victim.id);

    expect((await admin.call('DELETE', `/api/admin/users/${victim.id}`)).status).toBe(204);
    expect((await admin.call('DELETE', `/api/admin/users/${victim.id}`)).status).toBe(404);
    expect((await admin.call('DELETE', '/api/admin/users/not-a-uuid')).status).toBe(400);
  });

  it('when a request carries an id, then the gateway returns it; otherwise it makes one', async () => {
    const mine = await fetch(`${system.gateway.url}/.well-known/jwks.json`, { headers: { 'x-request-id': 'e2e-trace-1' } });
    expect(mine.headers.get('x-request-id')).toBe('e2e-trace-1');
    const fresh = await fetch(`${system.gateway.url}/.well-known/jwks.json`);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('attacks at the gateway', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  let good: string;
  let claims: Record<string, unknown>;
  let kid: string;
  let realKey: ReturnType<typeof createPrivateKey>;

  beforeAll(async () => {
    const { browser } = await signedUpUser();
    good = browser.accessToken;
    claims = decodeJwt(good);
    kid = decodeProtectedHeader(good).kid!;
    realKey = createPrivateKey(readFileSync(join(system.keysDir, 'jwt-signing-key.pem')));
  });

  const now = () => Math.floor(Date.now() / 1000);
  /** The dev key is EC (ES256) since new keys default to it; a foreign key may be RSA (signTestJwt picks the alg). */
  const sign = (payload: Record<string, unknown>, key: KeyObject = realKey, header: Record<string, unknown> = {}) =>
    signTestJwt(payload, key, { typ: 'at+jwt', kid, ...header });
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  const attacks: [string, () => string][] = [
    ['alg none', () => `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(claims)}.`],
    [
      'HS256 signed with the public key',
      () => {
        // The classic confusion attack: the public key, which anyone can fetch, used as an HMAC secret.
        const publicPem = createPublicKey(realKey).export({ type: 'spki', format: 'pem' });
        const unsigned = `${b64({ alg: 'HS256', typ: 'at+jwt', kid })}.${b64(claims)}`;
        return `${unsigned}.${createHmac('sha256', publicPem).update(unsigned).digest('base64url')}`;
      },
    ],
    [
      'a tampered payload',
      () => {
        const [h, , s] = good.split('.');
        return `${h}.${b64({ ...claims, roles: ['user', 'admin'] })}.${s}`;
      },
    ],
    ['an expired token', () => sign({ ...claims, iat: now() - 3600, exp: now() - 1800 })],
    ['the wrong issuer', () => sign({ ...claims, iss: 'someone-else' })],
    ['the wrong audience', () => sign({ ...claims, aud: 'another-api' })],
    ['an unknown kid', () => sign(claims, foreign, { kid: 'unknown-kid' })],
    ['a foreign key under the real kid', () => sign(claims, foreign)],
    ['a token of another type', () => sign(claims, realKey, { typ: 'JWT' })],
    ['an embedded jwk header', () => sign(claims, realKey, { jwk: { kty: 'RSA' } })],
    ['garbage', () => 'not.a.jwt'],
    ['an oversized token', () => `${good}${'A'.repeat(16 * 1024)}`],
  ];

  it.each(attacks)('when the bearer token is %s, then 401 invalid_token and the user service never sees it', async (_what, forge) => {
    const before = await profileHits();
    const response = await fetch(`${system.gateway.url}/api/user/profile`, { headers: { authorization: `Bearer ${forge()}` } });
    expect([401, 431]).toContain(response.status);
    if (response.status === 401) {
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect(await profileHits()).toBe(before);
  });

  it('when there is no Authorization header, then 401 with a bare Bearer challenge', async () => {
    const response = await fetch(`${system.gateway.url}/api/user/profile`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('when the token is sent in the query string, then it is not accepted', async () => {
    const response = await fetch(`${system.gateway.url}/api/user/profile?access_token=${good}`);
    expect(response.status).toBe(401);
  });

  it('when the genuine token is sent, then the same route answers 200 (the attacks failed for the right reason)', async () => {
    const response = await fetch(`${system.gateway.url}/api/user/profile`, { headers: { authorization: `Bearer ${good}` } });
    expect(response.status).toBe(200);
  });
});
