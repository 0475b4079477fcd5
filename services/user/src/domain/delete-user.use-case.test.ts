import type { DeletionGuard, Profile, ProfileStore, UserDeletedEvent } from './user.ports';
import { deleteUser } from './delete-user.use-case';

const ID = '0b7e5e1c-3f2a-4d7e-9a51-6f1c2d3e4f50';

function profile(roles: string[]): Profile {
  const at = new Date('2026-01-01T00:00:00.000Z');
  return { id: ID, email: 'p@example.com', name: null, bio: null, avatarUrl: null, locale: null, roles, emailVerified: false, createdAt: at, updatedAt: at };
}

/** A store holding one profile among `adminCount` admins; records whether it deleted. */
function storeWith(target: Profile | undefined, adminCount: number) {
  const state: { deleted: boolean; announcement?: UserDeletedEvent } = { deleted: false };
  const profiles: Pick<ProfileStore, 'deleteGuarded'> = {
    async deleteGuarded(_id, guard: DeletionGuard, announcement) {
      if (!target) return false;
      guard(target, adminCount);
      state.deleted = true;
      state.announcement = announcement;
      return true;
    },
  };
  return { profiles, state };
}

describe('deleteUser', () => {
  it('when the target is the only admin, then last_admin and nothing is deleted', async () => {
    const { profiles, state } = storeWith(profile(['user', 'admin']), 1);
    await expect(deleteUser({ profiles }, ID)).rejects.toMatchObject({ code: 'last_admin' });
    expect(state.deleted).toBe(false);
  });

  it('when another admin remains, then the admin is deleted', async () => {
    const { profiles, state } = storeWith(profile(['admin']), 2);
    await deleteUser({ profiles }, ID);
    expect(state.deleted).toBe(true);
  });

  it('when the target is no admin, then it is deleted even with a single admin around, announcing user.deleted', async () => {
    const { profiles, state } = storeWith(profile(['user']), 1);
    await deleteUser({ profiles }, ID);
    expect(state.deleted).toBe(true);
    expect(state.announcement).toMatchObject({ name: 'user.deleted', payload: { userId: ID } });
  });

  it('when there is no such user, then user_not_found', async () => {
    const { profiles } = storeWith(undefined, 1);
    await expect(deleteUser({ profiles }, ID)).rejects.toMatchObject({ code: 'user_not_found' });
  });
});
