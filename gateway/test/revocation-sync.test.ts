import { randomUUID } from 'node:crypto';
import { createEvent } from '@gatehouse/events';
import { managementUrl, startBrokerProxy, startTcpProxy, type BrokerProxy, type TcpProxy } from '@gatehouse/testing';
import { eventually, registerAndLogin, startAuth, type AuthHarness } from '../../services/auth/test/auth-harness';
import { byBasic, createClient, signInAdmin, withBearer } from '../../services/auth/test/oauth-client-fixtures';
import { startGateway, type Gateway } from './gateway-harness';

/** The real auth service: its revocation log is what a starting or reconnecting gateway catches up from. */
let auth: AuthHarness;
const gateways: Gateway[] = [];
const proxies: TcpProxy[] = [];
beforeAll(async () => {
  auth = await startAuth('gateway_sync');
});
afterEach(async () => {
  for (const gw of gateways.splice(0)) await gw.close();
  for (const proxy of proxies.splice(0)) await proxy.close();
});
afterAll(async () => {
  await auth.close();
});

/** A gateway in front of the real auth, on its exchange and verifying with its keys; `env` overrides. */
async function gatewayInFrontOfAuth(env: Record<string, string> = {}): Promise<Gateway> {
  const gw = await startGateway(
    { AUTH_SERVICE_URL: auth.url, JWKS_URL: `${auth.url}/.well-known/jwks.json`, EVENTS_EXCHANGE: auth.config.EVENTS_EXCHANGE, ...env },
    { revocationFeed: true },
  );
  gateways.push(gw);
  return gw;
}

/** A proxy this file cuts and heals, closed after each test. */
async function cuttable(start: Promise<TcpProxy>): Promise<TcpProxy> {
  const proxy = await start;
  proxies.push(proxy);
  return proxy;
}

const readyz = (gw: Gateway) => fetch(`${managementUrl(gw.url)}/readyz`);
const profileStatus = async (gw: Gateway, token: string) =>
  (await fetch(`${gw.url}/api/user/profile`, { headers: { authorization: `Bearer ${token}` } })).status;
const usersStatus = async (gw: Gateway, token: string) => (await fetch(`${gw.url}/api/admin/users`, { headers: { authorization: `Bearer ${token}` } })).status;
const sessionIdOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
const logged = (gw: Gateway, msg: string) => gw.logs.lines().filter((line) => line.msg === msg);

/** Auth committed (and published) the revocation of `sessionId`: it is in the log a gateway reads. */
const revokedAtAuth = (sessionId: string, reason?: string) =>
  eventually(() =>
    auth.events.named('session.revoked').some((e) => e.payload.sessionIds.includes(sessionId) && (reason === undefined || e.payload.reason === reason)),
  );

/** A client allowed on the user admin API through the gateway, and a token of it. */
async function serviceWithToken(): Promise<{ clientId: string; token: string; adminToken: string }> {
  const admin = await signInAdmin(auth);
  const client = await createClient(auth, admin, { name: 'Catch-up reader', scopes: ['users:read'], roles: ['admin'] });
  const issued = await byBasic(auth, client);
  expect(issued.status).toBe(200);
  return { clientId: client.clientId, token: ((await issued.json()) as { access_token: string }).access_token, adminToken: admin.accessToken };
}

describe('a gateway that starts after revocations were broadcast', () => {
  it('when a session ended, a user was deleted and a client was deleted before it started, then it refuses their tokens as soon as it reports ready', async () => {
    const loggedOut = await registerAndLogin(auth);
    expect((await loggedOut.client.logout()).status).toBe(204);
    const deleted = await registerAndLogin(auth);
    await auth.events.publish(createEvent('user.deleted', { userId: deleted.body.user.id }));
    const service = await serviceWithToken();
    expect((await withBearer(auth, service.adminToken, 'DELETE', `/api/admin/clients/${service.clientId}`)).status).toBe(204);
    const untouched = await registerAndLogin(auth);
    expect(await revokedAtAuth(sessionIdOf(loggedOut.body.accessToken))).toBe(true);
    expect(await revokedAtAuth(sessionIdOf(deleted.body.accessToken), 'user_deleted')).toBe(true);
    expect(await eventually(() => auth.events.named('client.deleted').some((e) => e.payload.clientId === service.clientId))).toBe(true);

    const gw = await gatewayInFrontOfAuth();
    expect(await eventually(async () => (await readyz(gw)).status === 200)).toBe(true);

    expect(await profileStatus(gw, loggedOut.body.accessToken)).toBe(401);
    expect(await profileStatus(gw, deleted.body.accessToken)).toBe(401);
    expect(await usersStatus(gw, service.token)).toBe(401);
    expect(gw.user.seen).toHaveLength(0);
    // Every session of the deleted user, not only the one that was listed.
    expect(gw.denyList.has(deleted.body.user.id, randomUUID())).toBe(true);
    expect(await profileStatus(gw, untouched.body.accessToken)).toBe(200);
    expect(logged(gw, 'revocations caught up')).toHaveLength(1);
  });

  it('when auth’s revocation log is unreachable, then /readyz answers 503 until the first catch-up, retrying with warnings that name no URL', async () => {
    const authProxy = await cuttable(startTcpProxy(auth.url));
    await authProxy.cut();
    // Keys come straight from auth, so only the catch-up is missing.
    const gw = await gatewayInFrontOfAuth({ AUTH_SERVICE_URL: authProxy.url });

    expect(await eventually(() => logged(gw, 'revocation catch-up failed, retrying').length >= 2)).toBe(true);
    const notReady = await readyz(gw);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ status: 'not_ready', checks: { jwks: 'ok', revocations: 'failing' } });
    const [first, second] = logged(gw, 'revocation catch-up failed, retrying');
    expect(first).toMatchObject({ level: 'warn', attempt: 1, delayMs: 250, code: 'ECONNREFUSED' });
    expect(second).toMatchObject({ attempt: 2, delayMs: 500 });
    expect(JSON.stringify(first)).not.toContain(new URL(authProxy.url).host);

    await authProxy.heal();

    expect(await eventually(async () => (await readyz(gw)).status === 200, 6000)).toBe(true);
    expect(logged(gw, 'revocations caught up')).toHaveLength(1);
  });

  it('when its token lifetime reaches past what auth’s log keeps, then it stays unready and the warning says why', async () => {
    const ttl = auth.config.OUTBOX_RETENTION_SECONDS;
    const gw = await gatewayInFrontOfAuth({ ACCESS_TOKEN_TTL_SECONDS: String(ttl) });

    expect(await eventually(() => logged(gw, 'revocation catch-up failed, retrying').length >= 2)).toBe(true);
    expect((await readyz(gw)).status).toBe(503);
    expect(logged(gw, 'revocation catch-up failed, retrying')[0]).toMatchObject({
      level: 'warn',
      status: 400,
      reason: expect.stringContaining('windowSeconds'),
    });
  });
});

describe('a gateway whose broker link drops and comes back', () => {
  it('when a session ends while the link is down, then the session’s token is refused within a second of the reconnect', async () => {
    const brokerProxy: BrokerProxy = await cuttable(startBrokerProxy());
    const gw = await gatewayInFrontOfAuth({ AMQP_URL: brokerProxy.url });
    expect(await eventually(async () => (await readyz(gw)).status === 200)).toBe(true);
    const session = await registerAndLogin(auth);
    expect(await profileStatus(gw, session.body.accessToken)).toBe(200);
    const connects = () => logged(gw, 'broker connected').length;
    const connectedBefore = connects();

    await brokerProxy.cut();
    expect((await session.client.logout()).status).toBe(204);
    expect(await revokedAtAuth(sessionIdOf(session.body.accessToken))).toBe(true);
    // Broadcast, but not to this gateway: it has no queue while the link is down.
    expect(await profileStatus(gw, session.body.accessToken)).toBe(200);
    expect((await readyz(gw)).status).toBe(200);
    await brokerProxy.heal();

    expect(await eventually(() => connects() > connectedBefore, 10_000)).toBe(true);
    const reconnectedAt = Date.now();
    expect(await eventually(async () => (await profileStatus(gw, session.body.accessToken)) === 401, 1000)).toBe(true);
    expect(Date.now() - reconnectedAt).toBeLessThan(1000);
    expect(logged(gw, 'revocations caught up')).toHaveLength(2);
  });
});
