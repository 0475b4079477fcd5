import type { Clock, ProfileEventLog, ProfileStore } from './user.ports';

export interface MarkEmailVerifiedDeps {
  readonly processed: ProfileEventLog;
  readonly profiles: Pick<ProfileStore, 'wasDeleted'>;
  readonly clock: Clock;
}

export interface EmailVerification {
  readonly eventId: string;
  readonly userId: string;
}

/** Thrown so the consumer retries: the registration that creates the profile is still on its way. */
export class ProfileNotYetCreatedError extends Error {
  constructor(userId: string) {
    super(`no profile ${userId} yet; the user.registered event has not been applied`);
    this.name = 'ProfileNotYetCreatedError';
  }
}

/** Marks the profile's email as verified; a deleted profile makes the event moot. */
export async function markEmailVerified(deps: MarkEmailVerifiedDeps, verification: EmailVerification): Promise<'marked' | 'duplicate' | 'deleted'> {
  if (await deps.profiles.wasDeleted(verification.userId)) return 'deleted';
  const applied = await deps.processed.once(verification.eventId, async (profiles) => {
    if (!(await profiles.markEmailVerified(verification.userId, new Date(deps.clock())))) throw new ProfileNotYetCreatedError(verification.userId);
  });
  return applied ? 'marked' : 'duplicate';
}
