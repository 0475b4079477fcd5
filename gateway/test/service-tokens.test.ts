import { serviceClaims, signToken } from '../../libs/jwt/test/token-fixtures';
import { startGateway, type Gateway } from './gateway-harness';

describe('gateway with service tokens (client credentials)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  const call = (path: string, token: string, method = 'GET') =>
    fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
    });
  const serviceToken = (overrides: Record<string, unknown> = {}) =>
    signToken(gw.key, {
      claims: serviceClaims({
        roles: ['admin'],
        scope: 'users:read',
        ...overrides,
      }),
    });
  const userToken = (roles: string[]) => signToken(gw.key, { claims: { roles } });

  async function expectForbiddenAtTheEdge(response: Response, before: number): Promise<void> {
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await response.json()).toMatchObject({
      status: 403,
      code: 'forbidden',
    });
    expect(gw.upstreamHits()).toBe(before);
  }

  it('when a service token with the admin role calls the user admin API, then it reaches the user service with its token', async () => {
    const token = serviceToken();

    const response = await call('/api/admin/users?limit=5', token);

    expect(response.status).toBe(200);
    const seen = gw.user.seen.at(-1)!;
    expect(seen.url).toBe('/api/admin/users?limit=5');
    expect(seen.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('when a service token deletes below the user admin API, then that reaches the user service too (it checks scopes)', async () => {
    const response = await call('/api/admin/users/0b7e6a3c-2d0f-4f5e-9a4b-1c2d3e4f5a6b', serviceToken(), 'DELETE');
    expect(response.status).toBe(200);
    expect(gw.user.seen.at(-1)).toMatchObject({
      method: 'DELETE',
      url: '/api/admin/users/0b7e6a3c-2d0f-4f5e-9a4b-1c2d3e4f5a6b',
    });
  });

  it('when a service token without the admin role calls the user admin API, then 403 and the upstream receives nothing', async () => {
    const before = gw.upstreamHits();
    await expectForbiddenAtTheEdge(await call('/api/admin/users', serviceToken({ roles: ['reporting'] })), before);
  });

  it.each(['/api/user/profile', '/api/admin/clients', '/api/admin/clients/svc_AAAAAAAAAAAAAAAAAAAAAA', '/api/admin/usersX', '/api/auth/sessions'])(
    'when a valid service token calls %s, where only users are taken, then 403 problem+json (not 401) and the upstream receives nothing',
    async (path) => {
      const before = gw.upstreamHits();
      const response = await call(path, serviceToken());
      expect(response.headers.get('www-authenticate')).toBeNull();
      await expectForbiddenAtTheEdge(response, before);
    },
  );

  it.each([
    ['GET', '/api/admin/clients'],
    ['POST', '/api/admin/clients'],
    ['DELETE', '/api/admin/clients/svc_AAAAAAAAAAAAAAAAAAAAAA'],
    ['GET', '/API/ADMIN/CLIENTS'],
  ])('when a user admin calls %s %s, then it is proxied to the auth service, not the user service', async (method, path) => {
    const userHitsBefore = gw.user.seen.length;

    const response = await call(path, userToken(['user', 'admin']), method);

    expect(response.status).toBe(200);
    expect(gw.auth.seen.at(-1)).toMatchObject({ method, url: path });
    expect(gw.user.seen.length).toBe(userHitsBefore);
  });

  it('when a path only starts with the clients prefix (/api/admin/clientsX), then it goes to the user service', async () => {
    const authHitsBefore = gw.auth.seen.length;

    const response = await call('/api/admin/clientsX', userToken(['user', 'admin']));

    expect(response.status).toBe(200);
    expect(gw.user.seen.at(-1)!.url).toBe('/api/admin/clientsX');
    expect(gw.auth.seen.length).toBe(authHitsBefore);
  });

  it('when a user without the admin role calls the clients API, then 403 and the upstream receives nothing', async () => {
    const before = gw.upstreamHits();
    await expectForbiddenAtTheEdge(await call('/api/admin/clients', userToken(['user'])), before);
  });

  it('when the clients API is called without a token, then 401 and the upstream receives nothing', async () => {
    const before = gw.upstreamHits();
    const response = await fetch(`${gw.url}/api/admin/clients`);
    expect(response.status).toBe(401);
    expect(gw.upstreamHits()).toBe(before);
  });
});
