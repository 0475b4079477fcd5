import type { DeletionGuard, Profile, ProfileStore } from './user.ports';
import { deleteUser } from './delete-user.use-case';

function profile(roles: string[]): Profile {
  const at = new Date('2026-01-01T00:00:00.000Z');
  return { id: 'p', email: 'p@example.com', name: null, bio: null, avatarUrl: null, locale: null, roles, createdAt: at, updatedAt: at };
}

/** A store holding one profile among `adminCount` admins; records whether it deleted. */
function storeWith(target: Profile | undefined, adminCount: number) {
  const state = { deleted: false };
  const profiles: Pick<ProfileStore, 'deleteGuarded'> = {
    async deleteGuarded(_id, guard: DeletionGuard) {
      if (!target) return false;
      guard(target, adminCount);
      state.deleted = true;
      return true;
    },
  };
  return { profiles, state };
}

describe('deleteUser', () => {
  it('when the target is the only admin, then last_admin and nothing is deleted', async () => {
    const { profiles, state } = storeWith(profile(['user', 'admin']), 1);
    await expect(deleteUser({ profiles }, 'p')).rejects.toMatchObject({ code: 'last_admin' });
    expect(state.deleted).toBe(false);
  });

  it('when another admin remains, then the admin is deleted', async () => {
    const { profiles, state } = storeWith(profile(['admin']), 2);
    await deleteUser({ profiles }, 'p');
    expect(state.deleted).toBe(true);
  });

  it('when the target is no admin, then it is deleted even with a single admin around', async () => {
    const { profiles, state } = storeWith(profile(['user']), 1);
    await deleteUser({ profiles }, 'p');
    expect(state.deleted).toBe(true);
  });

  it('when there is no such user, then user_not_found', async () => {
    const { profiles } = storeWith(undefined, 1);
    await expect(deleteUser({ profiles }, 'p')).rejects.toMatchObject({ code: 'user_not_found' });
  });
});
