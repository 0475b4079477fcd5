import { AppError } from '@gatehouse/errors';
import type { Caller, Clock, Profile, ProfileStore } from './user.ports';

export interface EnsureProfileDeps {
  readonly profiles: Pick<ProfileStore, 'createIfAbsent' | 'findById' | 'wasDeleted'>;
  readonly clock: Clock;
}

/**
 * The caller's profile, created from the token's claims on first sight: registration happens in
 * the auth service, so the first request here may come before any profile exists.
 */
export async function ensureProfile(deps: EnsureProfileDeps, caller: Caller): Promise<Profile> {
  const existing = await deps.profiles.findById(caller.id);
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
