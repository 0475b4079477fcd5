import { createEvent } from '@gatehouse/events';
import type { AuthTransaction, Clock, Credential, SecretGenerator } from './auth.ports';

export interface VerificationDeps {
  readonly secrets: Pick<SecretGenerator, 'token' | 'digest'>;
  readonly clock: Clock;
  readonly verificationTtlSeconds: number;
}

/**
 * Stores the digest of a fresh verification token and announces `user.registered` with the raw
 * token, in the caller's transaction. A resend announces `user.registered` again with the new
 * token: the notification service sends one email per event id, so each resend is one email.
 */
export async function issueEmailVerification(deps: VerificationDeps, tx: AuthTransaction, credential: Credential): Promise<void> {
  const token = deps.secrets.token();
  const expiresAt = new Date(deps.clock() + deps.verificationTtlSeconds * 1000);
  await tx.addEmailVerification(deps.secrets.digest(token), credential.id, expiresAt);
  await tx.publish(
    createEvent('user.registered', {
      userId: credential.id,
      email: credential.email,
      name: credential.name,
      verificationToken: token,
      verificationExpiresAt: expiresAt.toISOString(),
    }),
  );
}
