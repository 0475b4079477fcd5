import type { Clock, ProfileEventLog } from './user.ports';

export interface CreateRegisteredProfileDeps {
  readonly processed: ProfileEventLog;
  readonly clock: Clock;
}

export interface Registration {
  readonly eventId: string;
  readonly userId: string;
  readonly email: string;
  readonly name: string | null;
}

/**
 * The profile of a new registration, unless this event was applied before, the user's first
 * request already created it, or the id was deleted (a late event must not resurrect it).
 */
export async function createRegisteredProfile(deps: CreateRegisteredProfileDeps, registration: Registration): Promise<'created' | 'duplicate'> {
  const applied = await deps.processed.once(registration.eventId, (profiles) =>
    profiles.createIfAbsent(
      { id: registration.userId, email: registration.email, name: registration.name, roles: ['user'], emailVerified: false },
      new Date(deps.clock()),
    ),
  );
  return applied ? 'created' : 'duplicate';
}
