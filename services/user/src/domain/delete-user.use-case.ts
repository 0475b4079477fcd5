import { AppError } from '@gatehouse/errors';
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
 * Deletes a user's profile. A later issue publishes this as a `user.deleted` event (RabbitMQ,
 * through an outbox written in the same transaction) so the auth service removes the credentials
 * and revokes the user's sessions; until then only the profile goes.
 */
export async function deleteUser(deps: DeleteUserDeps, id: string): Promise<void> {
  const deleted = await deps.profiles.deleteGuarded(id, keepLastAdmin);
  if (!deleted) throw new AppError('user_not_found', 'No user has this id.');
}
