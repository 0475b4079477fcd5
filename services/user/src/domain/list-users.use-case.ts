import type { Profile, ProfileStore } from './user.ports';
import { decodeCursor, encodeCursor } from './page-cursor';

export interface ListUsersDeps {
  readonly profiles: Pick<ProfileStore, 'listAfter'>;
}

export interface ListUsersInput {
  readonly limit: number;
  readonly cursor?: string;
}

export interface UserPage {
  readonly users: readonly Profile[];
  /** Null on the last page. */
  readonly nextCursor: string | null;
}

/**
 * One page of all users in creation order. Keyset pagination: a page stays stable while users
 * are added or deleted elsewhere, and no row is skipped or repeated.
 */
export async function listUsers(deps: ListUsersDeps, input: ListUsersInput): Promise<UserPage> {
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  // One row more than asked tells whether another page exists without a COUNT.
  const rows = await deps.profiles.listAfter(after, input.limit + 1);
  const users = rows.slice(0, input.limit);
  const last = users[users.length - 1];
  return { users, nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null };
}
