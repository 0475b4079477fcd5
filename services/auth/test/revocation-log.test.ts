import { createEvent } from '@gatehouse/events';
import { eventually, registerAndLogin, startAuth, type AuthHarness } from './auth-harness';
import { createClient, signInAdmin, withBearer } from './oauth-client-fixtures';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('revocation_log');
});
afterAll(() => harness.close());

interface Revocations {
  sessions: { id: string; at: number }[];
  users: { id: string; at: number }[];
  clients: { id: string; at: number }[];
}

const sessionIdOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;

async function revocations(windowSeconds = 60): Promise<Revocations> {
  const response = await fetch(`${harness.url}/internal/revocations?windowSeconds=${windowSeconds}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return (await response.json()) as Revocations;
}

describe('GET /internal/revocations, what a gateway that (re)connects missed', () => {
  it('when a session ends, a user is deleted and a client is deleted, then each is listed with its time, and nothing else leaves', async () => {
    const before = Date.now() - 1000;
    const { client, body } = await registerAndLogin(harness);
    expect((await client.logout()).status).toBe(204);
    const deleted = await registerAndLogin(harness);
    await harness.events.publish(createEvent('user.deleted', { userId: deleted.body.user.id }));
    const admin = await signInAdmin(harness);
    const service = await createClient(harness, admin);
    expect((await withBearer(harness, admin.accessToken, 'DELETE', `/api/admin/clients/${service.clientId}`)).status).toBe(204);

    expect(await eventually(async () => (await revocations()).users.some((u) => u.id === deleted.body.user.id))).toBe(true);
    const listed = await revocations();
    expect(listed.sessions).toContainEqual({ id: sessionIdOf(body.accessToken), at: expect.any(Number) });
    expect(listed.sessions.map((s) => s.id)).toContain(sessionIdOf(deleted.body.accessToken));
    expect(listed.clients).toContainEqual({ id: service.clientId, at: expect.any(Number) });
    for (const entry of [...listed.sessions, ...listed.users, ...listed.clients]) expect(entry.at).toBeGreaterThan(before);
    expect(Object.keys(listed).sort()).toEqual(['clients', 'sessions', 'users']);
  });

  it('when the window reaches past what the outbox keeps, or is missing, then 400 names the field', async () => {
    for (const query of [`windowSeconds=${harness.config.OUTBOX_RETENTION_SECONDS + 1}`, '', 'windowSeconds=0']) {
      const response = await fetch(`${harness.url}/internal/revocations?${query}`);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('windowSeconds');
    }
  });

  it('when a revocation is older than the window, then it is not listed', async () => {
    const { client, body } = await registerAndLogin(harness);
    expect((await client.logout()).status).toBe(204);
    await harness.pool.query(`UPDATE outbox SET created_at = now() - interval '10 minutes' WHERE envelope->'payload'->'sessionIds' ? $1`, [
      sessionIdOf(body.accessToken),
    ]);
    expect((await revocations(300)).sessions.map((s) => s.id)).not.toContain(sessionIdOf(body.accessToken));
    expect((await revocations(900)).sessions.map((s) => s.id)).toContain(sessionIdOf(body.accessToken));
  });
});
