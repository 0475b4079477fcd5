import { randomUUID } from 'node:crypto';
import { newAdmin, newIdentity, startUser, type Identity, type ProblemBody, type UserHarness } from './user-harness';

let harness: UserHarness;
beforeAll(async () => {
  harness = await startUser('admin_delete');
});
afterAll(() => harness.close());

/** Profiles are created the way they are in production: by the user's first request. */
async function signUp(identity: Identity): Promise<Identity> {
  const response = await harness.request('GET', '/api/user/profile', { identity });
  if (response.status !== 200) throw new Error(`profile failed: ${response.status}`);
  return identity;
}

async function exists(id: string): Promise<boolean> {
  const { rowCount } = await harness.pool.query('SELECT 1 FROM profiles WHERE id = $1', [id]);
  return rowCount === 1;
}

/** Deletes every admin profile, so a test decides alone how many admins exist. */
async function withoutOtherAdmins(): Promise<void> {
  await harness.pool.query(`DELETE FROM profiles WHERE 'admin' = ANY (roles)`);
}

describe('DELETE /api/admin/users/:id', () => {
  it('when an admin deletes a user, then 204, the profile is gone and a second delete is 404 user_not_found', async () => {
    const admin = newAdmin();
    const target = await signUp(newIdentity());

    const response = await harness.request('DELETE', `/api/admin/users/${target.sub}`, { identity: admin });

    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(await exists(target.sub)).toBe(false);
    const again = await harness.request('DELETE', `/api/admin/users/${target.sub}`, { identity: admin });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ code: 'user_not_found' });
  });

  it('when the id is unknown, then 404 user_not_found', async () => {
    const response = await harness.request('DELETE', `/api/admin/users/${randomUUID()}`, { identity: newAdmin() });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'user_not_found' });
  });

  it('when the id is not a UUID, then 400 validation_failed names it', async () => {
    const response = await harness.request('DELETE', '/api/admin/users/not-a-uuid', { identity: newAdmin() });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as ProblemBody;
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain('id');
  });

  it('when the caller is not an admin, then 403 forbidden and the user stays', async () => {
    const target = await signUp(newIdentity());
    const response = await harness.request('DELETE', `/api/admin/users/${target.sub}`, { identity: newIdentity() });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'forbidden' });
    expect(await exists(target.sub)).toBe(true);
  });

  it('when no token is sent, then 401 and the user stays', async () => {
    const target = await signUp(newIdentity());
    const response = await harness.request('DELETE', `/api/admin/users/${target.sub}`);
    expect(response.status).toBe(401);
    expect(await exists(target.sub)).toBe(true);
  });

  it('when the only admin deletes themselves, then 409 last_admin and they stay (the caller was counted from the token)', async () => {
    await withoutOtherAdmins();
    const admin = newAdmin();

    const response = await harness.request('DELETE', `/api/admin/users/${admin.sub}`, { identity: admin });

    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'last_admin' });
    expect(await exists(admin.sub)).toBe(true);
  });

  it('when there are two admins, then one may delete the other, but not the last one left', async () => {
    await withoutOtherAdmins();
    const first = await signUp(newAdmin());
    const second = await signUp(newAdmin());

    const deleted = await harness.request('DELETE', `/api/admin/users/${second.sub}`, { identity: first });
    const last = await harness.request('DELETE', `/api/admin/users/${first.sub}`, { identity: first });

    expect(deleted.status).toBe(204);
    expect(last.status).toBe(409);
    expect(await exists(first.sub)).toBe(true);
    expect(await exists(second.sub)).toBe(false);
  });

  it('when two admins delete each other at the same moment, then one admin always remains', async () => {
    // A race shows only sometimes; enough rounds make a missing lock fail reliably.
    for (let round = 0; round < 15; round += 1) {
      await withoutOtherAdmins();
      const a = await signUp(newAdmin());
      const b = await signUp(newAdmin());

      const [ab, ba] = await Promise.all([
        harness.request('DELETE', `/api/admin/users/${b.sub}`, { identity: a }),
        harness.request('DELETE', `/api/admin/users/${a.sub}`, { identity: b }),
      ]);

      expect([ab.status, ba.status].filter((s) => s === 204)).toHaveLength(1);
      const { rows } = await harness.pool.query(`SELECT count(*)::int AS n FROM profiles WHERE 'admin' = ANY (roles)`);
      expect(rows[0].n).toBe(1);
    }
  });

  it('when a deleted user calls again with a still-valid token, then 401 and the profile is not brought back', async () => {
    const target = await signUp(newIdentity());
    expect((await harness.request('DELETE', `/api/admin/users/${target.sub}`, { identity: newAdmin() })).status).toBe(204);

    const response = await harness.request('GET', '/api/user/profile', { identity: target });

    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'token_invalid' });
    expect(await exists(target.sub)).toBe(false);
  });
});
