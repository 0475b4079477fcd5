import { AppError } from '@gatehouse/errors';
import { createEvent, type EventPayloads } from '@gatehouse/events';
import type { DeletionGuard, ProfileStore } from './user.ports';

/** The admin or service client that asked, recorded by auth's audit log. */
export type UserDeletedBy = EventPayloads['user.deletion_recorded']['deletedBy'];

export interface DeleteUserDeps {
  readonly profiles: Pick<ProfileStore, 'deleteGuarded'>;
}

/** The platform must always keep someone who can administer it. */
export const keepLastAdmin: DeletionGuard = (target, adminCount) => {
  if (target.roles.includes('admin') && adminCount <= 1) {
    throw new AppError('last_admin', 'The last remaining admin cannot be deleted.');
  }
};

/**
 * Deletes a user's profile and announces it as `user.deleted` through the outbox, in the same
 * transaction: the auth service then removes the credentials and sessions, and gateways refuse
 * the user's access tokens that are still valid. Who deleted it goes out beside it, in the same
 * transaction, as `user.deletion_recorded` (for auth's audit log): `user.deleted` stays v1, which
 * every consumer, old or new, accepts.
 */
export async function deleteUser(deps: DeleteUserDeps, id: string, deletedBy: UserDeletedBy): Promise<void> {
  const announcements = [createEvent('user.deleted', { userId: id }), createEvent('user.deletion_recorded', { userId: id, deletedBy })] as const;
  const deleted = await deps.profiles.deleteGuarded(id, keepLastAdmin, announcements);
  if (!deleted) throw new AppError('user_not_found', 'No user has this id.');
}
