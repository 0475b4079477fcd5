import { setCookies, startTcpProxy, testInfrastructure, type TcpProxy } from '@gatehouse/testing';
import { Client, email, eventually, PASSWORD, registerAndLogin, startAuth, type AuthHarness } from './auth-harness';
import { byBasic, createClient, signInAdmin } from './oauth-client-fixtures';

let redisProxy: TcpProxy;
let postgresProxy: TcpProxy;
let harness: AuthHarness;
beforeAll(async () => {
  redisProxy = await startTcpProxy(testInfrastructure().redisUrl);
  postgresProxy = await startTcpProxy(testInfrastructure().postgresUrl);
  harness = await startAuth('outages', {}, { via: { redis: redisProxy, postgres: postgresProxy } });
});
afterAll(async () => {
  await redisProxy.heal().catch(() => undefined);
  await postgresProxy.heal().catch(() => undefined);
  await harness.close();
  await redisProxy.close();
  await postgresProxy.close();
});

async function expectUnavailable(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(await response.json()).toMatchObject({ status: 503, code: 'dependency_unavailable' });
  // An outage is our trouble, not a verdict on the client's session: no cookie is touched.
  expect(Object.keys(setCookies(response))).toEqual([]);
}

/** The service's Redis client reconnects on its own back-off; wait until a refresh goes through. */
const refreshWorks = (client: Client) => eventually(async () => (await client.refresh()).status === 200, 10_000);

describe('with Redis unreachable', () => {
  it('when a client logs in, refreshes or logs out, then 503 dependency_unavailable with Retry-After and cookies kept; when Redis returns, the same refresh token works', async () => {
    const { client } = await registerAndLogin(harness);
    const token = client.refreshToken();
    await redisProxy.cut();
    try {
      await expectUnavailable(await new Client(harness.url).post('/api/auth/login', { email: email(), password: PASSWORD }));
      await expectUnavailable(await client.refresh());
      await expectUnavailable(await client.logout());
      expect(client.refreshToken()).toBe(token);
    } finally {
      await redisProxy.heal();
    }
    expect(await refreshWorks(client)).toBe(true);
  });
});

describe('with PostgreSQL unreachable', () => {
  it('when a client logs in, registers or logs out, then 503 dependency_unavailable; refresh needs no PostgreSQL and keeps working', async () => {
    const { client } = await registerAndLogin(harness);
    const { email: address } = await registerAndLogin(harness);
    await postgresProxy.cut();
    try {
      await expectUnavailable(await new Client(harness.url).post('/api/auth/login', { email: address, password: PASSWORD }));
      await expectUnavailable(await new Client(harness.url).post('/api/auth/register', { email: email(), password: PASSWORD }));
      expect((await client.refresh()).status).toBe(200);
      await expectUnavailable(await client.logout());
      expect((await client.refresh()).status).toBe(200);
    } finally {
      await postgresProxy.heal();
    }
    expect((await new Client(harness.url).post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(200);
    expect((await client.logout()).status).toBe(204);
  });

  it('when reuse is detected while PostgreSQL is down, then the announcement is not lost: the next presentation makes it', async () => {
    const { client, body } = await registerAndLogin(harness);
    const thief = new Client(harness.url);
    for (const [k, v] of client.jar) thief.jar.set(k, v);
    expect((await client.refresh()).status).toBe(200);
    harness.advance(harness.config.REFRESH_REUSE_GRACE_SECONDS * 1000 + 1);
    await postgresProxy.cut();
    try {
      await expectUnavailable(await thief.refresh());
      await expectUnavailable(await client.refresh());
    } finally {
      await postgresProxy.heal();
    }
    const victim = await client.refresh();
    expect(victim.status).toBe(401);
    expect(await victim.json()).toMatchObject({ code: 'refresh_token_reused' });
    const revoked = () => harness.events.named('session.revoked').filter((e) => e.payload.userId === body.user.id);
    expect(await eventually(() => revoked().length === 1)).toBe(true);
    expect(revoked()[0]!.payload.reason).toBe('reuse_detected');
    expect((await thief.refresh()).status).toBe(401);
  });

  it('when logins fail on the outage, then they count against nobody: the owner is not backed off afterwards', async () => {
    const { email: address } = await registerAndLogin(harness);
    const client = new Client(harness.url);
    await postgresProxy.cut();
    try {
      for (let i = 0; i < 7; i++) await expectUnavailable(await client.post('/api/auth/login', { email: address, password: PASSWORD }));
    } finally {
      await postgresProxy.heal();
    }
    expect((await client.post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(200);
  });
});

describe('the token endpoint (client credentials) with a dependency unreachable', () => {
  /** An outage must never read as a wrong secret: 503 in OAuth's format, never 401. */
  async function expectTemporarilyUnavailable(response: Response): Promise<void> {
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
  }

  it.each([
    ['PostgreSQL', () => postgresProxy],
    ['Redis', () => redisProxy],
  ])('when %s is down, then 503 temporarily_unavailable with Retry-After; when it is back, the same secret works', async (_name, proxy) => {
    const client = await createClient(harness, await signInAdmin(harness));
    await proxy().cut();
    try {
      await expectTemporarilyUnavailable(await byBasic(harness, client));
    } finally {
      await proxy().heal();
    }
    expect(await eventually(async () => (await byBasic(harness, client)).status === 200, 10_000)).toBe(true);
  });
});
