import type { EventEnvelope } from '@gatehouse/events';

/** What the user use cases need from the outside world, as small interfaces. */

export interface Profile {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly bio: string | null;
  readonly avatarUrl: string | null;
  readonly locale: string | null;
  readonly roles: readonly string[];
  readonly emailVerified: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Who is calling, as the verified access token says. */
export interface Caller {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly roles: readonly string[];
  readonly emailVerified: boolean;
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

/** Writes an event handler makes; inside `ProfileEventLog.once` they share its transaction. */
export interface ProfileWrites {
  /** Inserts unless the id exists or was deleted; safe when requests race. */
  createIfAbsent(caller: Caller, now: Date): Promise<void>;
  /** Sets the flag; false when there is no such profile. */
  markEmailVerified(id: string, now: Date): Promise<boolean>;
}

/** Which events were already applied to the profiles, so a redelivery changes nothing. */
export interface ProfileEventLog {
  /** Runs `effect` and records the id in one transaction; false (and no effect) when already recorded. */
  once(eventId: string, effect: (profiles: ProfileWrites) => Promise<void>): Promise<boolean>;
}

/** What the profile's deletion announces; written in the delete's own transaction. */
export type UserDeletedEvent = EventEnvelope<'user.deleted'>;
/** Who deleted the profile, announced beside `user.deleted` (auth's audit log reads it). */
export type UserDeletionRecordedEvent = EventEnvelope<'user.deletion_recorded'>;
/** The deletion's announcements, in the order the outbox relays them. */
export type UserDeletionAnnouncements = readonly [UserDeletedEvent, UserDeletionRecordedEvent];

export interface ProfileStore extends ProfileWrites {
  findById(id: string): Promise<Profile | undefined>;
  /** True when the id belonged to a profile that was deleted. */
  wasDeleted(id: string): Promise<boolean>;
  /** Applies the changes; undefined when there is no such profile. */
  update(id: string, changes: ProfileChanges, now: Date): Promise<Profile | undefined>;
  /** Up to `limit` profiles after `after` in (createdAt, id) order. */
  listAfter(after: PagePosition | undefined, limit: number): Promise<Profile[]>;
  /**
   * Deletes the profile unless `guard` throws, and writes `announcements` to the outbox in the
   * same transaction; false (and nothing written) when there is no such profile.
   */
  deleteGuarded(id: string, guard: DeletionGuard, announcements: UserDeletionAnnouncements): Promise<boolean>;
}

export type { Clock } from '@gatehouse/events';
