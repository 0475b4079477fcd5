import { AppError } from '@gatehouse/errors';
import { createEvent, type EventPayloads } from '@gatehouse/events';
import type { DeletionGuard, ProfileStore } from './user.ports';

/** The admin or service client that asked, recorded by auth's audit log. */
export type UserDeletedBy = NonNullable<EventPayloads['user.deleted']['deletedBy']>;

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
 * the user's access tokens that are still valid. `deletedBy` travels with the event for the audit log.
 */
export async function deleteUser(deps: DeleteUserDeps, id: string, deletedBy?: UserDeletedBy): Promise<void> {
  const event = createEvent('user.deleted', { userId: id, ...(deletedBy ? { deletedBy } : {}) });
  const deleted = await deps.profiles.deleteGuarded(id, keepLastAdmin, event);
  if (!deleted) throw new AppError('user_not_found', 'No user has this id.');
}
