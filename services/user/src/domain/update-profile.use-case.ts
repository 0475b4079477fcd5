import { AppError } from '@gatehouse/errors';
import type { Caller, Profile, ProfileChanges, ProfileStore } from './user.ports';
import { ensureProfile, type EnsureProfileDeps } from './ensure-profile.use-case';

export interface UpdateProfileDeps extends EnsureProfileDeps {
  readonly profiles: EnsureProfileDeps['profiles'] & Pick<ProfileStore, 'update'>;
}

/** Changes the caller's own profile; a first PUT before any GET works too. */
export async function updateProfile(deps: UpdateProfileDeps, caller: Caller, changes: ProfileChanges): Promise<Profile> {
  await ensureProfile(deps, caller);
  const updated = await deps.profiles.update(caller.id, changes, new Date(deps.clock()));
  if (!updated) throw new AppError('user_not_found', 'The profile no longer exists.');
  return updated;
}
