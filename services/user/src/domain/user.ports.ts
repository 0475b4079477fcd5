/** What the user use cases need from the outside world, as small interfaces. */

export interface Profile {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly bio: string | null;
  readonly avatarUrl: string | null;
  readonly locale: string | null;
  readonly roles: readonly string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Who is calling, as the verified access token says. */
export interface Caller {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly roles: readonly string[];
}

/** The fields a user may change about themselves; `null` clears one. */
export interface ProfileChanges {
  readonly name?: string | null;
  readonly bio?: string | null;
  readonly avatarUrl?: string | null;
  readonly locale?: string | null;
}

/** A row's place in the (createdAt, id) order. */
export interface PagePosition {
  readonly createdAt: Date;
  readonly id: string;
}

/**
 * Decides, inside the delete transaction, whether the target may go. It sees how many admins
 * exist while all of them are locked, so no concurrent delete can change the count; throw to refuse.
 */
export type DeletionGuard = (target: Profile, adminCount: number) => void;

export interface ProfileStore {
  /** Inserts unless the id exists or was deleted; safe when requests race. */
  createIfAbsent(caller: Caller, now: Date): Promise<void>;
  findById(id: string): Promise<Profile | undefined>;
  /** True when the id belonged to a profile that was deleted. */
  wasDeleted(id: string): Promise<boolean>;
  /** Applies the changes; undefined when there is no such profile. */
  update(id: string, changes: ProfileChanges, now: Date): Promise<Profile | undefined>;
  /** Up to `limit` profiles after `after` in (createdAt, id) order. */
  listAfter(after: PagePosition | undefined, limit: number): Promise<Profile[]>;
  /** Deletes the profile unless `guard` throws; false when there is no such profile. */
  deleteGuarded(id: string, guard: DeletionGuard): Promise<boolean>;
}

export type Clock = () => number;
