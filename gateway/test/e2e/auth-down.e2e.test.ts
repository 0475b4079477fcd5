import { startSystem, type System } from './system';

let system: System;
beforeAll(async () => {
  system = await startSystem('authdown');
}, 60_000);
afterAll(async () => {
  await system?.stop();
});

describe('when the auth service is down', () => {
  it('then cached keys keep verifying tokens, auth routes answer 502, and every process had shut down cleanly', async () => {
    const login = await fetch(`${system.gateway.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: system.admin.email, password: system.admin.password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const profile = () => fetch(`${system.gateway.url}/api/user/profile`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await profile()).status).toBe(200);

    expect(await system.auth.stop()).toBe(0);

    expect((await profile()).status).toBe(200);
    const down = await fetch(`${system.gateway.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: system.admin.email, password: system.admin.password }),
    });
    expect([502, 503]).toContain(down.status);
    expect(down.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await fetch(`${system.gateway.managementUrl}/readyz`)).status).toBe(200);

    const codes = await system.stop();
    expect(codes).toEqual({ gateway: 0, notification: 0, user: 0, auth: 0 });
  });
});
