import { totpCode, totpStep, wrongTotpCode } from '@gatehouse/testing';
import { defineScript, hashTag } from '../src/store/redis-script';
import { redisKeys } from '../src/store/redis-keys';
import { Client, email, PASSWORD, type LoginBody } from './auth-harness';
import { rewriteInLegacyLayout } from './session-hash';
import { startAuthOnCluster, type ClusterAuthHarness } from './redis-cluster-harness';

/**
 * The session, throttle and limit paths of auth against a real 3-master Redis Cluster: every
 * script's keys must share one slot (else CROSSSLOT), and a refresh stays one round trip.
 */

const REFRESH_LIMIT = 4;
const MFA_FAILURE_LIMIT = 3;
const TOKEN_IP_LIMIT = 3;

let harness: ClusterAuthHarness;
beforeAll(async () => {
  harness = await startAuthOnCluster('cluster', {
    TRUST_PROXY_HOPS: '1',
    LOGIN_IP_LIMIT: '1000',
    REGISTER_IP_LIMIT: '1000',
    REFRESH_REUSE_GRACE_SECONDS: '3',
    REFRESH_SESSION_LIMIT: String(REFRESH_LIMIT),
    MFA_FAILURE_LIMIT: String(MFA_FAILURE_LIMIT),
    TOKEN_IP_LIMIT: String(TOKEN_IP_LIMIT),
  });
});
afterAll(() => harness?.close());

let addresses = 0;
/** A client from an address of its own, so per-address limits of one test spare the others. */
function newClient(): Client {
  addresses += 1;
  return new Client(harness.url, { 'x-forwarded-for': `198.51.100.${addresses}` });
}

async function signUp(address = email('cluster')): Promise<{ client: Client; body: LoginBody; email: string }> {
  const client = newClient();
  expect((await client.post('/api/auth/register', { email: address, password: PASSWORD })).status).toBe(201);
  const response = await client.post('/api/auth/login', { email: address, password: PASSWORD });
  expect(response.status).toBe(200);
  return { client, body: (await response.json()) as LoginBody, email: address };
}

function copyOf(client: Client): Client {
  const copy = newClient();
  for (const [name, value] of client.jar) copy.jar.set(name, value);
  return copy;
}

const bearer = (body: LoginBody) => ({ authorization: `Bearer ${body.accessToken}` });

/** Which masters hold a key (without the prefix): a plain connection to a node lists only its own keys. */
async function holdersOf(key: string): Promise<number[]> {
  const lists = await Promise.all(harness.masters().map((node) => node.keys(`${harness.config.REDIS_KEY_PREFIX}*`)));
  return lists.flatMap((keys, index) => (keys.includes(`${harness.config.REDIS_KEY_PREFIX}${key}`) ? [index] : []));
}

describe('sessions on a Redis Cluster', () => {
  it("when users log in and refresh, then each user's session keys sit together on one master, and users spread over the masters", async () => {
    const users = await Promise.all(Array.from({ length: 9 }, () => signUp()));
    for (const { client } of users) expect((await client.refresh()).status).toBe(200);

    const homes = new Set<number>();
    for (const { body } of users) {
      const sessions = await holdersOf(redisKeys.sessions(body.user.id));
      expect(sessions).toHaveLength(1);
      homes.add(sessions[0]!);
    }
    expect(homes.size).toBeGreaterThan(1);
  });

  it('when a session stored before the listpack layout refreshes, then it rotates and moves to the new key on the same master', async () => {
    const { client, body } = await signUp();
    const home = await holdersOf(redisKeys.sessions(body.user.id));
    await rewriteInLegacyLayout(harness.redis, body.user.id);

    expect((await client.refresh()).status).toBe(200);

    expect(await holdersOf(redisKeys.legacySessions(body.user.id))).toEqual([]);
    expect(await holdersOf(redisKeys.sessions(body.user.id))).toEqual(home);
    expect((await client.refresh()).status).toBe(200);
  });

  it('when a token is refreshed, then the service makes exactly one round trip to Redis, on the master that owns the session', async () => {
    const { client } = await signUp();
    // The first call may load the script on that node (EVALSHA, then EVAL on NOSCRIPT); measure a warm one.
    expect((await client.refresh()).status).toBe(200);
    const sent: string[] = [];
    const observers = harness.masters().map((node) => node.duplicate());
    const monitors = await Promise.all(observers.map((observer) => observer.monitor()));
    for (const monitor of monitors) {
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        // MONITOR also lists the commands a script runs inside Redis, with source "lua".
        if (source !== 'lua' && args.some((arg) => arg.includes(harness.config.REDIS_KEY_PREFIX))) sent.push(args[0]!.toLowerCase());
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect((await client.refresh()).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const client of [...monitors, ...observers]) client.disconnect();
    expect(sent).toEqual(['evalsha']);
  });

  it('when a rotated token is replayed after the grace window, then 401 refresh_token_reused and the whole session ends', async () => {
    const { client } = await signUp();
    const thief = copyOf(client);
    expect((await client.refresh()).status).toBe(200);
    harness.advance(3_001);

    const replay = await thief.refresh();

    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'refresh_token_reused' });
    expect((await client.refresh()).status).toBe(401);
  });

  it('when two tabs refresh with the same token within the grace window, then both get the same successor and the session lives on', async () => {
    const { client } = await signUp();
    const otherTab = copyOf(client);
    expect((await client.refresh()).status).toBe(200);
    harness.advance(1_000);

    expect((await otherTab.refresh()).status).toBe(200);

    expect(otherTab.refreshToken()).toBe(client.refreshToken());
    expect((await client.refresh()).status).toBe(200);
  });

  it('when a session logs out, then 204 and its refresh token is dead; logging out everywhere ends the other sessions too', async () => {
    const { client, email: address } = await signUp();
    const stolen = copyOf(client);
    expect((await client.logout()).status).toBe(204);
    expect((await stolen.refresh()).status).toBe(401);

    const second = newClient();
    const third = newClient();
    const [login] = await Promise.all([second, third].map((c) => c.post('/api/auth/login', { email: address, password: PASSWORD })));
    const everywhere = await fetch(`${harness.url}/api/auth/logout-all`, { method: 'POST', headers: bearer((await login!.json()) as LoginBody) });

    expect(everywhere.status).toBe(204);
    expect((await second.refresh()).status).toBe(401);
    expect((await third.refresh()).status).toBe(401);
  });

  it('when one session refreshes past its limit, then 429 with Retry-After, and another session of the user still refreshes', async () => {
    const { client, email: address } = await signUp();
    const other = newClient();
    expect((await other.post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(200);
    for (let i = 0; i < REFRESH_LIMIT; i++) expect((await client.refresh()).status).toBe(200);

    const limited = await client.refresh();

    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await other.refresh()).status).toBe(200);
  });
});

describe('throttles and limits on a Redis Cluster', () => {
  it('when one address keeps failing on one account, then it backs off with 429, and once the delay passed the owner logs in', async () => {
    const { email: address } = await signUp();
    const guesser = newClient();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await guesser.post('/api/auth/login', { email: address, password: `guess ${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await guesser.post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(429);

    harness.advance(1_500);

    expect((await guesser.post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(200);
  });

  /** A user with a confirmed authenticator app, 5 s into the next time step (its first code is spent). */
  async function enrol(): Promise<{ email: string; secret: string }> {
    harness.advance(30_000 - (harness.now() % 30_000) + 5_000);
    const { body, email: address } = await signUp();
    const setup = await newClient().post('/api/auth/mfa/totp/setup', undefined, bearer(body));
    const { secret } = (await setup.json()) as { secret: string };
    expect((await newClient().post('/api/auth/mfa/totp/confirm', { code: totpCode(secret, totpStep(harness.now())) }, bearer(body))).status).toBe(200);
    harness.advance(30_000);
    return { email: address, secret };
  }

  const challenge = async (address: string, client = newClient()) =>
    ((await (await client.post('/api/auth/login', { email: address, password: PASSWORD })).json()) as { mfaToken: string }).mfaToken;

  it('when the password is followed by the right one-time code, then the session opens and refreshes', async () => {
    const { email: address, secret } = await enrol();
    const client = newClient();
    const mfaToken = await challenge(address, client);

    const answer = await client.post('/api/auth/login/mfa', { mfaToken, code: totpCode(secret, totpStep(harness.now())) });

    expect(answer.status).toBe(200);
    expect((await client.refresh()).status).toBe(200);
    expect((await newClient().post('/api/auth/login/mfa', { mfaToken, code: totpCode(secret, totpStep(harness.now())) })).status).toBe(401);
  });

  it('when wrong one-time codes arrive in parallel, then only the account budget is checked and the rest get 429; the right code waits too', async () => {
    const { email: address, secret } = await enrol();
    const tokens = await Promise.all([1, 2].map(() => challenge(address)));
    const wrong = wrongTotpCode(secret, totpStep(harness.now()));

    const answers = await Promise.all(tokens.flatMap((mfaToken) => [1, 2, 3].map(() => newClient().post('/api/auth/login/mfa', { mfaToken, code: wrong }))));

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(MFA_FAILURE_LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(6 - MFA_FAILURE_LIMIT);
    const right = await newClient().post('/api/auth/login/mfa', { mfaToken: await challenge(address), code: totpCode(secret, totpStep(harness.now())) });
    expect(right.status).toBe(429);
  });

  it('when one address sends a burst to the token endpoint, then exactly its limit gets through and the rest get 429', async () => {
    const admin = email('admin');
    await harness.auth.bootstrapAdmin(admin, PASSWORD);
    const login = (await (await newClient().post('/api/auth/login', { email: admin, password: PASSWORD })).json()) as LoginBody;
    const created = await fetch(`${harness.url}/api/admin/clients`, {
      method: 'POST',
      headers: { ...bearer(login), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Cluster job', scopes: ['users:read'], roles: ['reporter'] }),
    });
    expect(created.status).toBe(201);
    const { clientId, clientSecret } = (await created.json()) as { clientId: string; clientSecret: string };
    const request = () =>
      fetch(`${harness.url}/api/auth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'x-forwarded-for': '203.0.113.77',
        },
        body: 'grant_type=client_credentials',
      });

    const answers = await Promise.all(Array.from({ length: TOKEN_IP_LIMIT * 2 }, request));

    expect(answers.map((answer) => answer.status).sort()).toEqual([...Array<number>(TOKEN_IP_LIMIT).fill(200), ...Array<number>(TOKEN_IP_LIMIT).fill(429)]);
  });
});

describe('scripts and hash tags', () => {
  it('when a script would touch keys of two hash tags, then it is refused before it reaches Redis', async () => {
    const script = defineScript(harness.redis, {
      name: 'testCrossSlot',
      lua: "return redis.call('EXISTS', KEYS[1], KEYS[2])",
      keys: (users: [string, string]) => [redisKeys.sessions(users[0]), redisKeys.sessions(users[1])],
      args: () => [],
      parse: Number,
    });

    await expect(script(['alice', 'bob'])).rejects.toThrow(/testCrossSlot got keys of more than one hash tag/);
    expect(hashTag(redisKeys.sessions('alice'))).toBe(hashTag(redisKeys.legacySessions('alice')));
  });
});

// Last: it stops the cluster under the running service.
describe('a cluster that is gone', () => {
  it('when every node is down, then login and refresh answer 503 with Retry-After, never a 401 or a 500', async () => {
    const { client } = await signUp();
    await harness.cluster.stop();

    const login = await newClient().post('/api/auth/login', { email: email('cluster'), password: PASSWORD });
    const refresh = await client.refresh();
    for (const response of [login, refresh]) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await response.json()) as { code: string }).code).toBe('dependency_unavailable');
    }
  });
});
