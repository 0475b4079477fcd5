import { managementUrl, setCookies } from '@gatehouse/testing';
import { startAuth, Client, registerAndLogin, type AuthHarness, type LoginBody } from './auth-harness';
import { redisKeys } from '../src/store/redis-keys';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('refresh', { REFRESH_REUSE_GRACE_SECONDS: '3', REFRESH_SESSION_LIMIT: '1000' });
});
afterAll(() => harness.close());

/** A copy of a client's cookies, as a thief who stole them would hold them. */
function steal(client: Client): Client {
  const thief = new Client(harness.url);
  for (const [k, v] of client.jar) thief.jar.set(k, v);
  return thief;
}

describe('POST /api/auth/refresh', () => {
  it('when the cookie and CSRF header are right, then 200 rotates the refresh cookie and issues a new access token for the same session', async () => {
    const { client, body } = await registerAndLogin(harness);
    const before = client.refreshToken();
    const response = await client.refresh();
    expect(response.status).toBe(200);
    const refreshed = (await response.json()) as LoginBody;
    expect(refreshed).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: body.user });
    expect(refreshed.accessToken).not.toBe(body.accessToken);
    expect(refreshed.csrfToken).not.toBe(body.csrfToken);
    expect(client.refreshToken()).not.toBe(before);
    expect(setCookies(response)['__Secure-refresh_token']?.attributes).toMatchObject({ httponly: true, path: '/api/auth', 'max-age': '604800' });
    expect(response.headers.get('cache-control')).toBe('no-store');
    const sid = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).sid as string;
    expect(sid(refreshed.accessToken)).toBe(sid(body.accessToken));
    expect((await client.refresh()).status).toBe(200);
  });

  it('when a rotated token is replayed after the grace window, then 401 and the whole family is revoked, newest token included', async () => {
    const { client } = await registerAndLogin(harness);
    const thief = steal(client);
    expect((await client.refresh()).status).toBe(200);
    harness.advance(3_001);
    const replay = await thief.refresh();
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'refresh_token_reused' });
    const victim = await client.refresh();
    expect(victim.status).toBe(401);
    expect(harness.logs.lines().some((l) => l.event === 'refresh_token_reused')).toBe(true);
    const metrics = await (await fetch(`${managementUrl(harness.url)}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_auth_outcomes_total\{[^}]*operation="refresh"[^}]*outcome="reused"[^}]*\} [1-9]/);
  });

  it('when two tabs refresh with the same token within the grace window, then both succeed with the same successor and the session lives on', async () => {
    const { client } = await registerAndLogin(harness);
    const otherTab = steal(client);
    expect((await client.refresh()).status).toBe(200);
    harness.advance(1_000);
    expect((await otherTab.refresh()).status).toBe(200);
    expect(otherTab.refreshToken()).toBe(client.refreshToken());
    expect((await client.refresh()).status).toBe(200);
    expect((await otherTab.refresh()).status).toBe(200);
  });

  it('when the CSRF header is missing or wrong, then 403 and the token is not rotated', async () => {
    const { client } = await registerAndLogin(harness);
    const before = client.refreshToken();
    const missing = await client.post('/api/auth/refresh');
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ code: 'csrf_failed' });
    expect((await client.refresh({ 'x-csrf-token': 'forged-value' })).status).toBe(403);
    expect(client.refreshToken()).toBe(before);
    expect((await client.refresh()).status).toBe(200);
  });

  it('when the origin is not allowed, then 403 before anything rotates', async () => {
    const { client } = await registerAndLogin(harness);
    const before = client.refreshToken();
    const response = await client.refresh({ origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'origin_not_allowed' });
    expect(client.refreshToken()).toBe(before);
  });

  it.each([
    ['missing', undefined],
    ['garbage', 'not-a-token'],
    ['shaped like ours but forged', 'A'.repeat(71)],
  ])('when the refresh cookie is %s, then 401 refresh_token_invalid and the cookies are cleared', async (_what, value) => {
    const client = new Client(harness.url);
    client.jar.set('__Host-csrf_token', 'csrf-value');
    if (value) client.jar.set('__Secure-refresh_token', value);
    const response = await client.refresh();
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'refresh_token_invalid' });
    expect(setCookies(response)['__Secure-refresh_token']?.attributes['max-age']).toBe('0');
  });

  it('when GET is used, then 405 and nothing rotates', async () => {
    const { client } = await registerAndLogin(harness);
    const before = client.refreshToken();
    const response = await client.request('GET', '/api/auth/refresh', undefined, { 'x-csrf-token': client.csrf() });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(client.refreshToken()).toBe(before);
    expect((await client.refresh()).status).toBe(200);
  });

  it('when a session is stored, then Redis holds no refresh or CSRF token, only its generation, with a TTL no longer than the refresh lifetime', async () => {
    const { client } = await registerAndLogin(harness);
    expect((await client.refresh()).status).toBe(200);
    const keys = await harness.redis.keys(`${harness.config.REDIS_KEY_PREFIX}${redisKeys.sessions('*')}`);
    expect(keys.length).toBeGreaterThan(0);
    const stored: string[] = [];
    for (const key of keys) {
      const unprefixed = key.slice(harness.config.REDIS_KEY_PREFIX.length);
      stored.push(key, ...Object.values(await harness.redis.hgetall(unprefixed)));
      const ttl = await harness.redis.ttl(unprefixed);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(harness.config.REFRESH_TOKEN_TTL_SECONDS);
    }
    expect(stored.join(' ')).not.toContain(client.refreshToken()!);
    expect(stored.join(' ')).not.toContain(client.csrf());
  });
});

describe('refresh cost', () => {
  it('when a token is refreshed, then the service makes exactly one round trip to Redis', async () => {
    const { client } = await registerAndLogin(harness);
    // The first call may load the script (EVALSHA, then EVAL on NOSCRIPT); measure a warm one.
    expect((await client.refresh()).status).toBe(200);
    const observer = harness.redis.duplicate();
    const monitor = await observer.monitor();
    const sent: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      // MONITOR also lists the commands a script runs inside Redis, with source "lua".
      if (source !== 'lua' && args.some((a) => a.includes(harness.config.REDIS_KEY_PREFIX))) sent.push(args[0]!.toLowerCase());
    });
    await new Promise((r) => setTimeout(r, 50));
    expect((await client.refresh()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    monitor.disconnect();
    observer.disconnect();
    expect(sent).toEqual(['evalsha']);
  });
});

describe('refresh expiry and races', () => {
  it('when the refresh token outlives its TTL, then 401', async () => {
    const short = await startAuth('refresh_ttl', { REFRESH_TOKEN_TTL_SECONDS: '1' });
    try {
      const { client } = await registerAndLogin(short);
      // Expiry is Redis's own clock (key TTL), so this one test waits for real.
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await client.refresh()).status).toBe(401);
    } finally {
      await short.close();
    }
  });

  it('when ten refreshes race with one token and no grace, then exactly one wins and the replay revokes the family', async () => {
    const strict = await startAuth('refresh_race', { REFRESH_REUSE_GRACE_SECONDS: '0' });
    try {
      const { client } = await registerAndLogin(strict);
      const racers = Array.from({ length: 10 }, () => {
        const c = new Client(strict.url);
        for (const [k, v] of client.jar) c.jar.set(k, v);
        return c;
      });
      const responses = await Promise.all(racers.map((c) => c.refresh()));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 401)).toHaveLength(9);
      const winner = racers[responses.findIndex((r) => r.status === 200)]!;
      expect((await winner.refresh()).status).toBe(401);
    } finally {
      await strict.close();
    }
  });

  it('when fifty refreshes race with one token within the grace window, then all get the same one successor, and after the window the old token kills the session', async () => {
    const { client } = await registerAndLogin(harness);
    const racers = Array.from({ length: 50 }, () => steal(client));
    const responses = await Promise.all(racers.map((c) => c.refresh()));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const successors = new Set(racers.map((c) => c.refreshToken()));
    expect(successors.size).toBe(1);
    expect(successors.has(client.refreshToken())).toBe(false);

    harness.advance(3_001);
    const replay = await client.refresh();
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'refresh_token_reused' });
    expect((await racers[0]!.refresh()).status).toBe(401);
  });

  it('when a token two generations old is presented within the grace window, then it is reuse and the session ends', async () => {
    const { client } = await registerAndLogin(harness);
    const grandparent = steal(client);
    expect((await client.refresh()).status).toBe(200);
    expect((await client.refresh()).status).toBe(200);
    const replay = await grandparent.refresh();
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'refresh_token_reused' });
    expect((await client.refresh()).status).toBe(401);
  });
});

describe('POST /api/auth/logout', () => {
  it('when logged in, then 204 clears both cookies and the refresh token stops working', async () => {
    const { client } = await registerAndLogin(harness);
    const stolen = steal(client);
    const response = await client.logout();
    expect(response.status).toBe(204);
    const cookies = setCookies(response);
    expect(cookies['__Secure-refresh_token']?.attributes['max-age']).toBe('0');
    expect(cookies['__Host-csrf_token']?.attributes['max-age']).toBe('0');
    expect((await stolen.refresh()).status).toBe(401);
  });

  it('when logging out twice, then both are 204', async () => {
    const { client } = await registerAndLogin(harness);
    const replay = steal(client);
    expect((await client.logout()).status).toBe(204);
    expect((await client.logout()).status).toBe(204);
    expect((await replay.logout()).status).toBe(204);
  });

  it('when the refresh cookie is sent without the CSRF header, then 403 and the session survives', async () => {
    const { client } = await registerAndLogin(harness);
    expect((await client.post('/api/auth/logout')).status).toBe(403);
    expect((await client.refresh()).status).toBe(200);
  });

  it('when GET is used, then 405 and the session survives', async () => {
    const { client } = await registerAndLogin(harness);
    expect((await client.request('GET', '/api/auth/logout')).status).toBe(405);
    expect((await client.refresh()).status).toBe(200);
  });
});
