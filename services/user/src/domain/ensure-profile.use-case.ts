import { AppError } from '@gatehouse/errors';
import type { Caller, Clock, Profile, ProfileStore } from './user.ports';

export interface EnsureProfileDeps {
  readonly profiles: Pick<ProfileStore, 'createIfAbsent' | 'findById' | 'wasDeleted' | 'markEmailVerified'>;
  readonly clock: Clock;
}

/**
 * The caller's profile, created from the token's claims on first sight: registration happens in
 * the auth service, so the first request here may come before any profile (or event) exists.
 */
export async function ensureProfile(deps: EnsureProfileDeps, caller: Caller): Promise<Profile> {
  const existing = await deps.profiles.findById(caller.id);
  // A token issued after verification may arrive before the user.email_verified event does.
  if (existing && caller.emailVerified && !existing.emailVerified) {
    await deps.profiles.markEmailVerified(caller.id, new Date(deps.clock()));
    return (await deps.profiles.findById(caller.id)) ?? existing;
  }
  if (existing) return existing;
  await deps.profiles.createIfAbsent(caller, new Date(deps.clock()));
  const profile = await deps.profiles.findById(caller.id);
  if (profile) return profile;
  // Only a deleted account gets here: its access token lives on until it expires.
  if (await deps.profiles.wasDeleted(caller.id)) {
    throw new AppError('token_invalid', 'This account has been deleted.');
  }
  throw new AppError('user_not_found', 'The profile could not be created.', { operational: false });
}
