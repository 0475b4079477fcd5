import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { testInfrastructure } from '@gatehouse/testing';
import { gatewayClient, type GatewayClient } from './gateway-client';
import { freePort, startSystem, type System } from './system';

const ROOT = resolve(__dirname, '..', '..', '..');
const PASSWORD = 'a catching up passphrase';

let system: System;
let client: GatewayClient;
beforeAll(async () => {
  system = await startSystem('revsync');
  client = gatewayClient(() => system.gateway.url, PASSWORD);
}, 60_000);
afterAll(async () => {
  await system?.stop();
});

interface ExtraGateway {
  readonly url: string;
  /** Resolves once `/readyz` answers 200; rejects with the process's output if it exits or 20 s pass first. */
  ready(): Promise<void>;
  stop(): Promise<number | null>;
}

/** One more gateway process against the same auth, user service and exchange, as a scale-out or rolling update starts one. */
async function startExtraGateway(): Promise<ExtraGateway> {
  const port = await freePort();
  const managementPort = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'gateway/dist/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      AUTH_SERVICE_URL: system.auth.url,
      USER_SERVICE_URL: system.user.url,
      JWKS_URL: `${system.auth.url}/.well-known/jwks.json`,
      AMQP_URL: testInfrastructure().amqpUrl,
      EVENTS_EXCHANGE: system.exchange,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  return {
    url: `http://127.0.0.1:${port}`,
    async ready() {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && child.exitCode === null) {
        const status = await fetch(`http://127.0.0.1:${managementPort}/readyz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the extra gateway was not ready within 20 s:\n${log}`);
    },
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done(child.exitCode);
        child.once('exit', (code) => done(code));
        child.kill('SIGTERM');
      }),
  };
}

describe('a gateway started after sessions ended and a client was deleted', () => {
  it('when it reports ready, then it refuses the logged-out session’s token and the deleted client’s token, and takes a live session’s', async () => {
    const email = await client.register(`revsync.${Date.now()}@example.com`);
    const loggedOut = await client.login(email);
    const live = await client.login(email);
    const logout = await client.api('/api/auth/logout', { method: 'POST', headers: { cookie: loggedOut.cookies, 'x-csrf-token': loggedOut.csrf } });
    expect(logout.status).toBe(204);

    const admin = await client.login(system.admin.email, system.admin.password);
    const created = await client.api('/api/admin/clients', {
      token: admin.accessToken,
      body: { name: 'Catch-up e2e', scopes: ['users:read'], roles: ['admin'] },
    });
    expect(created.status).toBe(201);
    const { clientId, clientSecret } = (await created.json()) as { clientId: string; clientSecret: string };
    const tokenResponse = await fetch(`${system.gateway.url}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
    });
    expect(tokenResponse.status).toBe(200);
    const serviceToken = ((await tokenResponse.json()) as { access_token: string }).access_token;
    const asService = (base: string) => fetch(`${base}/api/admin/users`, { headers: { authorization: `Bearer ${serviceToken}` } });
    expect((await asService(system.gateway.url)).status).toBe(200);
    expect((await client.api(`/api/admin/clients/${clientId}`, { method: 'DELETE', token: admin.accessToken })).status).toBe(204);
    // The running gateway heard both over the broker: the revocations are committed and broadcast.
    await client.expectRefusedWithinASecond(loggedOut.accessToken, Date.now());
    // client.deleted is a separate event: it may land a moment after the logout's.
    const deadline = Date.now() + 1_000;
    let status = (await asService(system.gateway.url)).status;
    while (status !== 401 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      status = (await asService(system.gateway.url)).status;
    }
    expect(status).toBe(401);

    const extra = await startExtraGateway();
    try {
      await extra.ready();
      const profileAt = async (token: string) => (await fetch(`${extra.url}/api/user/profile`, { headers: { authorization: `Bearer ${token}` } })).status;

      expect(await profileAt(loggedOut.accessToken)).toBe(401);
      expect((await asService(extra.url)).status).toBe(401);
      expect(await profileAt(live.accessToken)).toBe(200);
    } finally {
      expect(await extra.stop()).toBe(0);
    }
  });
});
