import type { DeletionGuard, Profile, ProfileStore, UserDeletionAnnouncements } from './user.ports';
import { deleteUser } from './delete-user.use-case';

const ID = '0b7e5e1c-3f2a-4d7e-9a51-6f1c2d3e4f50';
const BY = { kind: 'admin', id: '0190a5c0-0000-7000-8000-00000000abcd' } as const;

function profile(roles: string[]): Profile {
  const at = new Date('2026-01-01T00:00:00.000Z');
  return { id: ID, email: 'p@example.com', name: null, bio: null, avatarUrl: null, locale: null, roles, emailVerified: false, createdAt: at, updatedAt: at };
}

/** A store holding one profile among `adminCount` admins; records whether it deleted. */
function storeWith(target: Profile | undefined, adminCount: number) {
  const state: { deleted: boolean; announcements?: UserDeletionAnnouncements } = { deleted: false };
  const profiles: Pick<ProfileStore, 'deleteGuarded'> = {
    async deleteGuarded(_id, guard: DeletionGuard, announcements) {
      if (!target) return false;
      guard(target, adminCount);
      state.deleted = true;
      state.announcements = announcements;
      return true;
    },
  };
  return { profiles, state };
}

describe('deleteUser', () => {
  it('when the target is the only admin, then last_admin and nothing is deleted', async () => {
    const { profiles, state } = storeWith(profile(['user', 'admin']), 1);
    await expect(deleteUser({ profiles }, ID, BY)).rejects.toMatchObject({ code: 'last_admin' });
    expect(state.deleted).toBe(false);
  });

  it('when another admin remains, then the admin is deleted', async () => {
    const { profiles, state } = storeWith(profile(['admin']), 2);
    await deleteUser({ profiles }, ID, BY);
    expect(state.deleted).toBe(true);
  });

  it('when the target is no admin, then it is deleted even with a single admin around, announcing user.deleted (v1) and who deleted it', async () => {
    const { profiles, state } = storeWith(profile(['user']), 1);
    await deleteUser({ profiles }, ID, BY);
    expect(state.deleted).toBe(true);
    expect(state.announcements?.map((event) => [event.name, event.payload])).toEqual([
      ['user.deleted', { userId: ID }],
      ['user.deletion_recorded', { userId: ID, deletedBy: BY }],
    ]);
  });

  it('when there is no such user, then user_not_found', async () => {
    const { profiles } = storeWith(undefined, 1);
    await expect(deleteUser({ profiles }, ID, BY)).rejects.toMatchObject({ code: 'user_not_found' });
  });
});
