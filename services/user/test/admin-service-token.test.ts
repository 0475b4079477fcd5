import { USERS_READ_SCOPE, USERS_WRITE_SCOPE } from '../src/http/user.scopes';
import { newAdmin, newIdentity, newServiceClient, startUser, type Identity, type ProfileBody, type UserHarness } from './user-harness';

let harness: UserHarness;
beforeAll(async () => {
  harness = await startUser('admin_service_token');
});
afterAll(() => harness.close());

async function signUp(identity: Identity): Promise<Identity> {
  const response = await harness.request('GET', '/api/user/profile', {
    identity,
  });
  if (response.status !== 200) throw new Error(`profile failed: ${response.status}`);
  return identity;
}

async function profileCount(): Promise<number> {
  const { rows } = await harness.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM profiles');
  return rows[0]!.n;
}

async function exists(id: string): Promise<boolean> {
  const { rowCount } = await harness.pool.query('SELECT 1 FROM profiles WHERE id = $1', [id]);
  return rowCount === 1;
}

const asService = (method: string, path: string, scopes: string[], roles = ['admin']) =>
  harness.request(method, path, {
    token: harness.serviceToken(newServiceClient({ scopes, roles })),
  });

describe('the user admin API with service tokens (client credentials)', () => {
  it('when a service with the admin role and users:read lists users, then it gets them and no profile is made for it', async () => {
    const user = await signUp(newIdentity());
    const before = await profileCount();

    const response = await asService('GET', '/api/admin/users?limit=100', [USERS_READ_SCOPE]);

    expect(response.status).toBe(200);
    const page = (await response.json()) as { users: ProfileBody[] };
    expect(page.users.map((u) => u.id)).toContain(user.sub);
    expect(await profileCount()).toBe(before);
  });

  it('when a service with the admin role lacks users:read, then 403 with an insufficient_scope challenge', async () => {
    const response = await asService('GET', '/api/admin/users', [USERS_WRITE_SCOPE]);

    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="users:read"');
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({
      status: 403,
      code: 'forbidden',
    });
  });

  it('when a service holds users:read but not the admin role, then 403 forbidden', async () => {
    const response = await asService('GET', '/api/admin/users', [USERS_READ_SCOPE], ['reporting']);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'forbidden' });
  });

  it('when a service with the admin role and users:write deletes a user, then 204, the profile is gone, and user.deleted (v1) and user.deletion_recorded, naming the client, are in the outbox', async () => {
    const target = await signUp(newIdentity());

    const response = await asService('DELETE', `/api/admin/users/${target.sub}`, [USERS_WRITE_SCOPE]);

    expect(response.status).toBe(204);
    expect(await exists(target.sub)).toBe(false);
    const { rows } = await harness.pool.query<{ name: string; payload: unknown }>(
      `SELECT name, envelope->'payload' AS payload FROM outbox WHERE envelope->'payload'->>'userId' = $1 ORDER BY name`,
      [target.sub],
    );
    // user.deleted stays v1 (old consumers refuse unknown keys); auth's audit log reads who deleted from the other event.
    expect(rows).toEqual([
      { name: 'user.deleted', payload: { userId: target.sub } },
      { name: 'user.deletion_recorded', payload: { userId: target.sub, deletedBy: { kind: 'client', id: expect.stringMatching(/^svc_/) } } },
    ]);
  });

  it('when a service with only users:read deletes a user, then 403 insufficient_scope and the user stays', async () => {
    const target = await signUp(newIdentity());

    const response = await asService('DELETE', `/api/admin/users/${target.sub}`, [USERS_READ_SCOPE]);

    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="users:write"');
    expect(await exists(target.sub)).toBe(true);
  });

  it('when a service deletes the last admin, then 409 last_admin as for anyone', async () => {
    await harness.pool.query(`DELETE FROM profiles WHERE 'admin' = ANY (roles)`);
    const admin = await signUp(newAdmin());

    const response = await asService('DELETE', `/api/admin/users/${admin.sub}`, [USERS_WRITE_SCOPE]);

    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'last_admin' });
    expect(await exists(admin.sub)).toBe(true);
  });

  it('when a user admin whose token has no scope lists users, then the scope is not asked of them', async () => {
    expect(
      (
        await harness.request('GET', '/api/admin/users', {
          identity: newAdmin(),
        })
      ).status,
    ).toBe(200);
  });

  it.each([
    ['GET', undefined],
    ['PUT', { name: 'A service' }],
  ])('when a service token calls %s /api/user/profile, then 403 and no profile is made', async (method, body) => {
    const before = await profileCount();

    const response = await harness.request(method, '/api/user/profile', {
      token: harness.serviceToken(newServiceClient()),
      body,
    });

    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({
      status: 403,
      code: 'forbidden',
    });
    expect(await profileCount()).toBe(before);
  });
});
