import { createPublicKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import { setCookies } from '@gatehouse/testing';
import { startAuth, Client, email, PASSWORD, registerAndLogin, type AuthHarness, type LoginBody } from './auth-harness';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('login', { LOGIN_IP_LIMIT: '1000', LOGIN_ACCOUNT_FAILURE_LIMIT: '8' });
});
afterAll(() => harness.close());

describe('POST /api/auth/login', () => {
  it('when the credentials are right, then 200 returns a signed access token and the user, never the refresh token', async () => {
    const { body, email: address, client } = await registerAndLogin(harness);
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      csrfToken: expect.any(String),
      user: { email: address, roles: ['user'], emailVerified: false, name: null },
    });
    expect(JSON.stringify(body)).not.toContain(client.refreshToken());

    const jwk = harness.keys.jwks.keys[0]!;
    // jose, not our own verifier: an independent library must accept what auth signs.
    const { payload: claims, protectedHeader } = await jwtVerify(body.accessToken, createPublicKey({ key: jwk, format: 'jwk' }), { algorithms: ['RS256'] });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid });
    expect(claims).toMatchObject({
      sub: body.user.id,
      email: address,
      roles: ['user'],
      iss: 'gatehouse',
      aud: 'gatehouse-api',
      sid: expect.any(String),
      jti: expect.any(String),
    });
    expect(claims.exp! - claims.iat!).toBe(900);
  });

  it('when login succeeds, then the refresh and csrf cookies carry the hardened attributes and the response is not cacheable', async () => {
    const address = email();
    const client = new Client(harness.url);
    await client.post('/api/auth/register', { email: address, password: PASSWORD });
    const response = await client.post('/api/auth/login', { email: address, password: PASSWORD });
    const cookies = setCookies(response);
    expect(cookies['__Secure-refresh_token']?.value).toMatch(/^[A-Za-z0-9_-]{71}$/);
    expect(cookies['__Secure-refresh_token']?.attributes).toMatchObject({
      httponly: true,
      secure: true,
      samesite: 'Strict',
      path: '/api/auth',
      'max-age': '604800',
    });
    expect(cookies['__Host-csrf_token']?.attributes).toMatchObject({ secure: true, samesite: 'Strict', path: '/' });
    expect(cookies['__Host-csrf_token']?.attributes.httponly).toBeUndefined();
    expect(cookies['__Host-csrf_token']?.value).toBe(((await response.json()) as LoginBody).csrfToken);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('when the password is wrong or the email unknown, then both get the identical 401 body', async () => {
    const { email: address } = await registerAndLogin(harness);
    const client = new Client(harness.url);
    const wrong = await client.post('/api/auth/login', { email: address, password: 'not the right one at all' });
    const unknown = await client.post('/api/auth/login', { email: email('ghost'), password: 'not the right one at all' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    expect(strip((await wrong.json()) as Record<string, unknown>)).toEqual(strip((await unknown.json()) as Record<string, unknown>));
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('when the origin is not allowed, then 403 and no session is opened', async () => {
    const { email: address } = await registerAndLogin(harness);
    const response = await new Client(harness.url).post('/api/auth/login', { email: address, password: PASSWORD }, { origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'origin_not_allowed' });
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('when an allowed origin logs in, then it succeeds', async () => {
    const address = email();
    const client = new Client(harness.url, { origin: 'http://localhost:3000' });
    await client.post('/api/auth/register', { email: address, password: PASSWORD });
    expect((await client.post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(200);
  });

  it('when secrets pass through, then no log line contains a password, refresh token or access token', async () => {
    const { client, body } = await registerAndLogin(harness);
    await client.refresh();
    const logs = harness.logs.text();
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toContain(body.accessToken);
    expect(logs).not.toContain(client.refreshToken());
  });
});

describe('brute force', () => {
  it('when one address keeps failing on one account, then it backs off with 429 and Retry-After, and even the right password waits', async () => {
    const { email: address } = await registerAndLogin(harness);
    const attacker = new Client(harness.url, { 'x-forwarded-for': '203.0.113.9' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attacker.post('/api/auth/login', { email: address, password: `guess number ${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const blocked = await attacker.post('/api/auth/login', { email: address, password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await blocked.json()).toMatchObject({ code: 'rate_limited' });
  });

  it('when the back-off delay has passed on the clock, then the account can be tried again', async () => {
    const { email: address } = await registerAndLogin(harness);
    const client = new Client(harness.url);
    for (let i = 0; i < 5; i++) await client.post('/api/auth/login', { email: address, password: `guess ${i}` });
    expect((await client.post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(429);
    harness.advance(1_500);
    expect((await client.post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(200);
  });

  it('when a distributed attack exhausts the account budget, then new addresses wait but the owner on a known address logs in', async () => {
    const proxied = await startAuth('login_spray', { TRUST_PROXY_HOPS: '1', LOGIN_ACCOUNT_FAILURE_LIMIT: '8', LOGIN_IP_LIMIT: '1000' });
    try {
      const from = (ip: string) => new Client(proxied.url, { 'x-forwarded-for': ip });
      const address = email();
      await from('192.0.2.50').post('/api/auth/register', { email: address, password: PASSWORD });
      expect((await from('192.0.2.50').post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(200);
      // One guess each from many addresses: no per-address back-off, but the account budget runs out.
      for (let i = 1; i <= 9; i++) await from(`203.0.113.${i}`).post('/api/auth/login', { email: address, password: `spray ${i}` });
      const stranger = await from('198.51.100.1').post('/api/auth/login', { email: address, password: PASSWORD });
      expect(stranger.status).toBe(429);
      expect(Number(stranger.headers.get('retry-after'))).toBeLessThanOrEqual(proxied.config.LOGIN_ACCOUNT_WINDOW_SECONDS);
      expect((await from('192.0.2.50').post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(200);
    } finally {
      await proxied.close();
    }
  });
});

describe('client address', () => {
  it('when X-Forwarded-For is sent but no proxy is trusted, then it cannot dodge the per-address limit', async () => {
    const strict = await startAuth('login_ip', { LOGIN_IP_LIMIT: '3', TRUST_PROXY_HOPS: '0' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await new Client(strict.url).post('/api/auth/login', { email: email(), password: PASSWORD }, { 'x-forwarded-for': `10.0.0.${i}` });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await strict.close();
    }
  });

  it('when one proxy hop is trusted, then the address it appended is the one limited', async () => {
    const proxied = await startAuth('login_hops', { LOGIN_IP_LIMIT: '2', TRUST_PROXY_HOPS: '1' });
    try {
      const attempt = (chain: string) => new Client(proxied.url).post('/api/auth/login', { email: email(), password: PASSWORD }, { 'x-forwarded-for': chain });
      // A client prepending fake addresses does not change the rightmost, proxy-appended one.
      expect((await attempt('1.1.1.1, 192.0.2.7')).status).toBe(401);
      expect((await attempt('2.2.2.2, 192.0.2.7')).status).toBe(401);
      expect((await attempt('3.3.3.3, 192.0.2.7')).status).toBe(429);
      expect((await attempt('192.0.2.8')).status).toBe(401);
    } finally {
      await proxied.close();
    }
  });
});

describe('options', () => {
  it('when verified email is required, then an unverified account gets 403 email_not_verified only with the right password', async () => {
    const strict = await startAuth('login_verified', { REQUIRE_VERIFIED_EMAIL: 'true' });
    try {
      const client = new Client(strict.url);
      const address = email();
      await client.post('/api/auth/register', { email: address, password: PASSWORD });
      const right = await client.post('/api/auth/login', { email: address, password: PASSWORD });
      expect(right.status).toBe(403);
      expect(await right.json()).toMatchObject({ code: 'email_not_verified' });
      expect((await client.post('/api/auth/login', { email: address, password: 'wrong wrong wrong' })).status).toBe(401);
    } finally {
      await strict.close();
    }
  });

  it('when a bootstrap admin is configured, then it is created verified with the admin role once', async () => {
    const address = email('admin');
    expect(await harness.auth.bootstrapAdmin(address, 'a strong admin passphrase')).toBe(true);
    expect(await harness.auth.bootstrapAdmin(address, 'a different passphrase')).toBe(false);
    const response = await new Client(harness.url).post('/api/auth/login', { email: address, password: 'a strong admin passphrase' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as LoginBody).user).toMatchObject({ roles: ['user', 'admin'], emailVerified: true });
  });
});

describe('timing', () => {
  it('when the email is unknown, then login still spends a full bcrypt comparison', async () => {
    // Cost 10 (~50 ms a hash) makes the difference between hashing and not hashing obvious.
    const slow = await startAuth('login_timing', { BCRYPT_COST: '10', LOGIN_IP_LIMIT: '1000' });
    try {
      const { email: address } = await registerAndLogin(slow);
      const time = async (who: string) => {
        const started = performance.now();
        await new Client(slow.url).post('/api/auth/login', { email: who, password: 'not the password' });
        return performance.now() - started;
      };
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 3; i++) {
        known.push(await time(address));
        unknown.push(await time(email('ghost')));
      }
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
      expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
    } finally {
      await slow.close();
    }
  });
});
