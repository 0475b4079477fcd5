import { Client, email, eventually, PASSWORD, registerAndLogin, startAuth, type AuthHarness, type LoginBody } from './auth-harness';
import { redisKeys } from '../src/store/redis-keys';
import { rewriteInLegacyLayout, storedSessionIds } from './session-hash';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('session_layout', {
    REFRESH_REUSE_GRACE_SECONDS: '3',
    REFRESH_SESSION_LIMIT: '1000',
    LOGIN_IP_LIMIT: '1000',
    REGISTER_IP_LIMIT: '1000',
  });
});
afterAll(() => harness.close());

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const sessionIdOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
const bearer = (body: LoginBody) => ({ authorization: `Bearer ${body.accessToken}` });

function copy(client: Client): Client {
  const other = new Client(harness.url);
  for (const [k, v] of client.jar) other.jar.set(k, v);
  return other;
}

async function login(address: string, headers: Record<string, string> = {}): Promise<{ client: Client; body: LoginBody }> {
  const client = new Client(harness.url, headers);
  const response = await client.post('/api/auth/login', { email: address, password: PASSWORD });
  expect(response.status).toBe(200);
  return { client, body: (await response.json()) as LoginBody };
}

async function listed(body: LoginBody): Promise<{ id: string; userAgent: string | null; createdAt: string }[]> {
  const response = await fetch(`${harness.url}/api/auth/sessions`, { headers: bearer(body) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { sessions: { id: string; userAgent: string | null; createdAt: string }[] }).sessions;
}

async function sessionBytes(userId: string): Promise<{ bytes: number; encoding: unknown }> {
  // call() sends its arguments as they are: the key needs its prefix.
  const key = `${harness.config.REDIS_KEY_PREFIX}${redisKeys.sessions(userId)}`;
  return { bytes: Number(await harness.redis.call('MEMORY', 'USAGE', key)), encoding: await harness.redis.call('OBJECT', 'ENCODING', key) };
}

describe('what a session costs Redis', () => {
  it('when a browser session is opened and refreshed, then its hash stays a listpack of at most 400 bytes, the browser kept as a short label', async () => {
    const address = email();
    await new Client(harness.url).post('/api/auth/register', { email: address, password: PASSWORD, name: 'Ada Lovelace' });
    const { client, body } = await login(address, { 'user-agent': CHROME });
    const fresh = await sessionBytes(body.user.id);
    for (let i = 0; i < 100; i++) expect((await client.refresh()).status).toBe(200);
    const refreshed = await sessionBytes(body.user.id);

    expect(fresh.encoding).toBe('listpack');
    expect(refreshed.encoding).toBe('listpack');
    expect(refreshed.bytes).toBeLessThanOrEqual(400);
    expect(await harness.redis.keys(`${harness.config.REDIS_KEY_PREFIX}*${body.user.id}*`)).toHaveLength(1);
    expect((await listed(body))[0]!.userAgent).toBe('Chrome 131 on Linux');
  });

  it('when an email and a name run past 64 bytes, then the hash stays a listpack and refresh signs them whole', async () => {
    const address = `user.${Date.now()}@${'long-subdomain.'.repeat(5)}example.com`;
    const name = 'Zoë '.repeat(24).trim();
    await new Client(harness.url).post('/api/auth/register', { email: address, password: PASSWORD, name });
    const { client, body } = await login(address);

    const refreshed = await client.refresh();

    expect(refreshed.status).toBe(200);
    expect(((await refreshed.json()) as LoginBody).user).toMatchObject({ email: address, name });
    expect((await sessionBytes(body.user.id)).encoding).toBe('listpack');
  });
});

describe('sessions stored before the listpack layout (a deploy)', () => {
  it('when an old session refreshes, then it rotates with its claims and generation, and the user moves to the new layout', async () => {
    const { client, body } = await registerAndLogin(harness);
    expect((await client.refresh()).status).toBe(200);
    const parent = copy(client);
    await rewriteInLegacyLayout(harness.redis, body.user.id);

    const refreshed = await client.refresh();

    expect(refreshed.status).toBe(200);
    expect(((await refreshed.json()) as LoginBody).user).toEqual(body.user);
    expect(await harness.redis.exists(redisKeys.legacySessions(body.user.id))).toBe(0);
    expect(await storedSessionIds(harness.redis, body.user.id)).toEqual([sessionIdOf(body.accessToken)]);
    harness.advance(3_001);
    const replay = await parent.refresh();
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'refresh_token_reused' });
  });

  it('when old sessions are listed beside a new one, then all show, the old one with its creation time and its user agent cut to fit', async () => {
    const { email: address } = await registerAndLogin(harness);
    const { body: old } = await login(address);
    await rewriteInLegacyLayout(harness.redis, old.user.id, { userAgent: CHROME });
    const { body: fresh } = await login(address, { 'user-agent': 'Laptop/2.0' });

    const sessions = await listed(fresh);

    expect(sessions).toHaveLength(3);
    expect(sessions.find((s) => s.id === sessionIdOf(fresh.accessToken))!.userAgent).toBe('Laptop/2.0');
    const before = sessions.find((s) => s.id === sessionIdOf(old.accessToken))!;
    expect(before.userAgent).toBe(CHROME.slice(0, 55));
    expect(Date.parse(before.createdAt)).toBeLessThanOrEqual(harness.now());
  });

  it('when an old session logs out, then 204 and its refresh token is dead', async () => {
    const { client, body } = await registerAndLogin(harness);
    const stolen = copy(client);
    await rewriteInLegacyLayout(harness.redis, body.user.id);

    expect((await client.logout()).status).toBe(204);

    expect((await stolen.refresh()).status).toBe(401);
    expect(await storedSessionIds(harness.redis, body.user.id)).toEqual([]);
  });

  it('when a user with old sessions logs out everywhere, then every one ends and is announced', async () => {
    const { client, body, email: address } = await registerAndLogin(harness);
    const { client: other, body: otherBody } = await login(address);
    await rewriteInLegacyLayout(harness.redis, body.user.id);

    expect((await fetch(`${harness.url}/api/auth/logout-all`, { method: 'POST', headers: bearer(body) })).status).toBe(204);

    expect((await client.refresh()).status).toBe(401);
    expect((await other.refresh()).status).toBe(401);
    const revoked = () => harness.events.named('session.revoked').filter((e) => e.payload.userId === body.user.id);
    expect(await eventually(() => revoked().length > 0)).toBe(true);
    expect(
      revoked()
        .flatMap((e) => e.payload.sessionIds)
        .sort(),
    ).toEqual([sessionIdOf(body.accessToken), sessionIdOf(otherBody.accessToken)].sort());
  });
});
