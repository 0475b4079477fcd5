import { setCookies } from '@gatehouse/testing';
import { Client, eventually, registerAndLogin, startAuth, type AuthHarness, type LoginBody } from './auth-harness';
import { redisKeys } from '../src/store/redis-keys';
import { stateField, storedSessionIds } from './session-hash';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('session_chain', {
    TRUST_PROXY_HOPS: '1',
    REFRESH_TOKEN_TTL_SECONDS: '40',
    SESSION_MAX_AGE_SECONDS: '60',
    REFRESH_SESSION_LIMIT: '1000',
    REFRESH_INVALID_IP_LIMIT: '3',
  });
});
afterAll(() => harness.close());

function copy(client: Client, headers: Record<string, string> = {}): Client {
  const other = new Client(harness.url, headers);
  for (const [k, v] of client.jar) other.jar.set(k, v);
  return other;
}

const sessionIdOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
const maxAgeOf = (response: Response) => Number(setCookies(response)['__Secure-refresh_token']?.attributes['max-age']);

describe('absolute session lifetime', () => {
  it('when a session is refreshed, then neither it nor its cookie outlives SESSION_MAX_AGE_SECONDS from login', async () => {
    const client = new Client(harness.url);
    const { email } = await registerAndLogin(harness);
    const login = await client.post('/api/auth/login', { email, password: 'correct horse battery staple' });
    expect(maxAgeOf(login)).toBe(40);

    harness.advance(30_000);
    const refreshed = await client.refresh();
    expect(refreshed.status).toBe(200);
    expect(maxAgeOf(refreshed)).toBeLessThanOrEqual(30);
    expect(setCookies(refreshed)['__Host-csrf_token']?.attributes['max-age']).toBe(String(maxAgeOf(refreshed)));

    harness.advance(25_000);
    expect((await client.refresh()).status).toBe(200);
    harness.advance(6_000);
    const expired = await client.refresh();
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ code: 'refresh_token_invalid' });
  });

  it('when a session is not refreshed for the idle timeout, then it ends even before its absolute end', async () => {
    const { client } = await registerAndLogin(harness);
    harness.advance(41_000);
    expect((await client.refresh()).status).toBe(401);
  });
});

describe('limits that spare the neighbours', () => {
  it('when one address sends junk refresh tokens, then it alone is limited and a real user behind it still refreshes', async () => {
    const nat = { 'x-forwarded-for': '198.51.100.77' };
    const { client } = await registerAndLogin(harness);
    const neighbour = copy(client, nat);
    const junk = new Client(harness.url, nat);
    const present = (token: string) => {
      junk.jar.set('__Host-csrf_token', 'x');
      junk.jar.set('__Secure-refresh_token', token);
      return junk.refresh();
    };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await present(String(i).repeat(71))).status);
    const limited = await present('B'.repeat(71));
    expect([...statuses, limited.status]).toEqual([401, 401, 401, 429, 429]);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await neighbour.refresh()).status).toBe(200);
  });

  it('when one session rotates past its limit, then it gets 429 with Retry-After, keeps its cookies, and other sessions on the address are unaffected', async () => {
    const limited = await startAuth('session_rotation_limit', { REFRESH_SESSION_LIMIT: '2' });
    try {
      const { client } = await registerAndLogin(limited);
      const { client: other } = await registerAndLogin(limited);
      expect((await client.refresh()).status).toBe(200);
      expect((await client.refresh()).status).toBe(200);
      const before = client.refreshToken();
      const third = await client.refresh();
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(third.headers.get('set-cookie')).toBeNull();
      expect(client.refreshToken()).toBe(before);
      expect((await other.refresh()).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('the refresh limit of a session', () => {
  it('when the parent is replayed within the grace window, then the replays count against the session too', async () => {
    const limited = await startAuth('session_replay_limit', { REFRESH_SESSION_LIMIT: '3' });
    try {
      const { client } = await registerAndLogin(limited);
      const parent = new Client(limited.url);
      for (const [k, v] of client.jar) parent.jar.set(k, v);
      expect((await client.refresh()).status).toBe(200);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const replay = new Client(limited.url);
        for (const [k, v] of parent.jar) replay.jar.set(k, v);
        statuses.push((await replay.refresh()).status);
      }
      expect(statuses).toEqual([200, 200, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  it('when tokens of an ended session keep coming from one address, then they count as invalid presentations and turn into 429', async () => {
    const { client } = await registerAndLogin(harness);
    const tokens: Client[] = [];
    for (let i = 0; i < 4; i++) tokens.push(copy(client, { 'x-forwarded-for': '198.51.100.90' }));
    expect((await client.logout()).status).toBe(204);
    const statuses: number[] = [];
    for (const t of tokens) statuses.push((await t.refresh()).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe('a lost write in Redis', () => {
  it('when Redis lost the last rotation (a failover), then the token it issued still rotates instead of signing the user out', async () => {
    const { client, body } = await registerAndLogin(harness);
    const key = redisKeys.sessions(body.user.id);
    const field = stateField(sessionIdOf(body.accessToken));
    const before = await harness.redis.hget(key, field);
    expect((await client.refresh()).status).toBe(200);
    await harness.redis.hset(key, field, before!);

    const response = await client.refresh();
    expect(response.status).toBe(200);
    expect((await client.refresh()).status).toBe(200);
  });
});

describe('a refresh cookie planted by a sibling subdomain', () => {
  const send = (client: Client, cookies: string[]) =>
    fetch(`${harness.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { cookie: [...cookies, `__Host-csrf_token=${client.csrf()}`].join('; '), 'x-csrf-token': client.csrf() },
    });

  it('when junk is planted in front of the real cookie, then the real one refreshes and no cookie is cleared for the junk', async () => {
    const { client } = await registerAndLogin(harness);
    const response = await send(client, ['__Secure-refresh_token=junk', `__Secure-refresh_token=${client.refreshToken()}`]);
    expect(response.status).toBe(200);
    expect(setCookies(response)['__Secure-refresh_token']?.value).toMatch(/^[A-Za-z0-9_-]{71}$/);
  });

  it("when the attacker's own valid token is planted in front, then the victim's session (the one the CSRF token is bound to) refreshes", async () => {
    const { client: victim, body } = await registerAndLogin(harness);
    const { client: attacker } = await registerAndLogin(harness);
    const response = await send(victim, [`__Secure-refresh_token=${attacker.refreshToken()}`, `__Secure-refresh_token=${victim.refreshToken()}`]);
    expect(response.status).toBe(200);
    expect(sessionIdOf(((await response.json()) as LoginBody).accessToken)).toBe(sessionIdOf(body.accessToken));
  });
});

describe('CSRF bound to the session', () => {
  it("when a CSRF value minted for another session is planted (cookie tossing), then refresh and logout refuse it and the victim's session survives", async () => {
    const { client: victim } = await registerAndLogin(harness);
    const { body: attackerLogin } = await registerAndLogin(harness);
    const tossed = copy(victim);
    tossed.jar.set('__Host-csrf_token', attackerLogin.csrfToken);

    const refresh = await tossed.refresh();
    expect(refresh.status).toBe(403);
    expect(await refresh.json()).toMatchObject({ code: 'csrf_failed' });
    expect((await tossed.logout()).status).toBe(403);
    expect((await victim.refresh()).status).toBe(200);
  });
});

describe('logout reaches the gateways', () => {
  it('when a session logs out, then session.revoked names it with reason logout, once', async () => {
    const { client, body } = await registerAndLogin(harness);
    const replay = copy(client);
    const stolen = copy(client);
    expect((await client.logout()).status).toBe(204);
    expect((await replay.logout()).status).toBe(204);
    const revoked = () => harness.events.named('session.revoked').filter((e) => e.payload.userId === body.user.id);
    expect(await eventually(() => revoked().length === 1)).toBe(true);
    expect(revoked()[0]!.payload).toEqual({ userId: body.user.id, sessionIds: [sessionIdOf(body.accessToken)], reason: 'logout' });
    expect((await stolen.refresh()).status).toBe(401);
  });
});

describe('constant memory per session', () => {
  async function sessionBytes(userId: string): Promise<{ keys: number; bytes: number }> {
    const keys = (await harness.redis.keys(`${harness.config.REDIS_KEY_PREFIX}*${userId}*`)).map((k) => k.slice(harness.config.REDIS_KEY_PREFIX.length));
    let bytes = 0;
    for (const key of keys) bytes += Number(await harness.redis.call('MEMORY', 'USAGE', `${harness.config.REDIS_KEY_PREFIX}${key}`));
    return { keys: keys.length, bytes };
  }

  it('when a session is refreshed 100 times, then Redis holds as many keys and bytes for it (within 10 %) as after one refresh', async () => {
    const { client, body } = await registerAndLogin(harness);
    expect((await client.refresh()).status).toBe(200);
    const afterOne = await sessionBytes(body.user.id);
    for (let i = 0; i < 99; i++) expect((await client.refresh()).status).toBe(200);
    const afterHundred = await sessionBytes(body.user.id);
    expect(afterHundred.keys).toBe(afterOne.keys);
    expect(Math.abs(afterHundred.bytes - afterOne.bytes)).toBeLessThanOrEqual(afterOne.bytes * 0.1);
  });
});

describe('sessions per user', () => {
  it('when a user logs in past the session cap, then the oldest session ends and the stored sessions stop growing', async () => {
    const capped = await startAuth('session_cap', { SESSIONS_PER_USER_LIMIT: '3' });
    try {
      const { client: first, email } = await registerAndLogin(capped);
      const others: Client[] = [];
      for (let i = 0; i < 3; i++) {
        const c = new Client(capped.url);
        expect((await c.post('/api/auth/login', { email, password: 'correct horse battery staple' })).status).toBe(200);
        others.push(c);
      }
      expect((await first.refresh()).status).toBe(401);
      for (const c of others) expect((await c.refresh()).status).toBe(200);
      const userId = ((await (await others[0]!.refresh()).json()) as LoginBody).user.id;
      expect(await storedSessionIds(capped.redis, userId)).toHaveLength(3);
    } finally {
      await capped.close();
    }
  });
});
