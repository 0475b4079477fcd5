import { startSystem, type System } from './system';

let system: System;
beforeAll(async () => {
  system = await startSystem('replicas', { replicas: true });
}, 90_000);
afterAll(async () => {
  await system?.stop();
});

const PASSWORD = 'a replicated passphrase';

async function post(base: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function cookiesOf(response: Response): { cookie: string; csrf: string } {
  const pairs = response.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const csrf = pairs.find((p) => p.startsWith('__Host-csrf_token='))!.split('=')[1]!;
  return { cookie: pairs.join('; '), csrf };
}

describe('two auth replicas behind two gateways', () => {
  it('when a user logs in through one and refreshes through the other, then the session is shared', async () => {
    const one = system.gateway.url;
    const two = system.replica!.gateway.url;
    const email = `replica.${Date.now()}@example.com`;
    expect((await post(one, '/api/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const login = await post(one, '/api/auth/login', { email, password: PASSWORD });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const first = cookiesOf(login);

    const refreshed = await post(two, '/api/auth/refresh', undefined, { cookie: first.cookie, 'x-csrf-token': first.csrf });
    expect(refreshed.status).toBe(200);
    for (const base of [one, two]) {
      const profile = await fetch(`${base}/api/user/profile`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(profile.status).toBe(200);
    }
  });

  it('when a user is deleted through one gateway, then both gateways refuse their access token', async () => {
    const one = system.gateway.url;
    const two = system.replica!.gateway.url;
    const email = `replica.delete.${Date.now()}@example.com`;
    const registered = await post(one, '/api/auth/register', { email, password: PASSWORD });
    const { id } = (await registered.json()) as { id: string };
    const { accessToken } = (await (await post(two, '/api/auth/login', { email, password: PASSWORD })).json()) as { accessToken: string };
    const asUser = (base: string) => fetch(`${base}/api/user/profile`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await asUser(one)).status).toBe(200);
    expect((await asUser(two)).status).toBe(200);

    const admin = (await (await post(one, '/api/auth/login', system.admin)).json()) as { accessToken: string };
    const deleted = await fetch(`${one}/api/admin/users/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin.accessToken}` } });
    expect(deleted.status).toBe(204);

    const deadline = Date.now() + 1_000;
    const refused = async (base: string) => {
      for (;;) {
        if ((await asUser(base)).status === 401) return true;
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    expect(await refused(one)).toBe(true);
    expect(await refused(two)).toBe(true);
  });
});

describe('a service with client credentials, behind two gateways', () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

  async function adminToken(): Promise<string> {
    return ((await (await post(system.gateway.url, '/api/auth/login', system.admin)).json()) as { accessToken: string }).accessToken;
  }

  async function serviceToken(base: string, clientId: string, clientSecret: string, scope?: string): Promise<Response> {
    return fetch(`${base}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, clientSecret) },
      body: form({ grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) }),
    });
  }

  it('when an admin deletes the client, then both gateways refuse its tokens within a second and it gets no new ones', async () => {
    const one = system.gateway.url;
    const two = system.replica!.gateway.url;
    const admin = { authorization: `Bearer ${await adminToken()}` };
    const created = await post(one, '/api/admin/clients', { name: 'Billing reconciler', scopes: ['users:read'], roles: ['admin'] }, admin);
    expect(created.status).toBe(201);
    const { clientId, clientSecret } = (await created.json()) as { clientId: string; clientSecret: string };

    const issued = await serviceToken(two, clientId, clientSecret);
    expect(issued.status).toBe(200);
    const body = (await issued.json()) as { access_token: string; token_type: string; expires_in: number; scope: string };
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'users:read' });
    const asService = (base: string, path = '/api/admin/users', method = 'GET') =>
      fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${body.access_token}` } });
    expect((await asService(one)).status).toBe(200);
    expect((await asService(two)).status).toBe(200);
    // A valid token that these routes do not take: 403, never 401 (the service would drop a good token).
    expect((await asService(one, '/api/user/profile')).status).toBe(403);
    expect((await asService(one, '/api/admin/clients')).status).toBe(403);
    const withoutScope = await asService(one, `/api/admin/users/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, 'DELETE');
    expect(withoutScope.status).toBe(403);
    expect(withoutScope.headers.get('www-authenticate')).toContain('insufficient_scope');

    const deleted = await fetch(`${one}/api/admin/clients/${clientId}`, { method: 'DELETE', headers: admin });
    expect(deleted.status).toBe(204);
    const deadline = Date.now() + 1_000;
    const refused = async (base: string) => {
      for (;;) {
        if ((await asService(base)).status === 401) return true;
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    expect(await refused(one)).toBe(true);
    expect(await refused(two)).toBe(true);
    const again = await serviceToken(one, clientId, clientSecret);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('when the metadata names the token endpoint, then a client gets a token there', async () => {
    const metadata = (await (await fetch(`${system.gateway.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
      scopes_supported: expect.arrayContaining(['users:read', 'users:write']),
    });
    const tokenPath = new URL(metadata.token_endpoint as string).pathname;
    expect(tokenPath).toBe('/api/auth/token');
    const admin = { authorization: `Bearer ${await adminToken()}` };
    const created = await post(system.gateway.url, '/api/admin/clients', { name: 'Metadata reader', scopes: ['users:read', 'users:write'], roles: [] }, admin);
    const { clientId, clientSecret } = (await created.json()) as { clientId: string; clientSecret: string };
    const issued = await fetch(`${system.gateway.url}${tokenPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'users:write' }),
    });
    expect(issued.status).toBe(200);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(((await issued.json()) as { scope: string }).scope).toBe('users:write');
  });
});
