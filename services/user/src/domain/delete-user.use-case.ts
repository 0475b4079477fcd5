import { AppError } from '@gatehouse/errors';
import { createEvent } from '@gatehouse/events';
import type { DeletionGuard, ProfileStore } from './user.ports';

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
 * the user's access tokens that are still valid.
 */
export async function deleteUser(deps: DeleteUserDeps, id: string): Promise<void> {
  const deleted = await deps.profiles.deleteGuarded(id, keepLastAdmin, createEvent('user.deleted', { userId: id }));
  if (!deleted) throw new AppError('user_not_found', 'No user has this id.');
}
