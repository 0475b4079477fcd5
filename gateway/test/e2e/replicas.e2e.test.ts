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
