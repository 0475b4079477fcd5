import { AppError, isAppError } from '@gatehouse/errors';
import type { CredentialStore, LoginThrottle, PasswordHasher } from './auth.ports';
import { failureReason, userActor, type AuditTrail } from './audit.ports';
import { finishLogin, type FinishLoginDeps, type LoginResult } from './finish-login';
import { invalidCredentials } from './session';

export interface LoginInput {
  readonly email: string;
  readonly password: string;
  /** The client's address as rate limits see it (IPv6 grouped by prefix). */
  readonly address: string;
  readonly userAgent: string | null;
}

export interface LoginDeps extends FinishLoginDeps {
  readonly credentials: Pick<CredentialStore, 'findByEmail'>;
  readonly hasher: Pick<PasswordHasher, 'verify' | 'dummyHash'>;
  readonly throttle: LoginThrottle;
  readonly requireVerifiedEmail: boolean;
  /**
   * Registration conceals existing accounts: an unverified account then answers like a wrong
   * password, or registering an address with a chosen password and logging in would tell whether
   * the address was free.
   */
  readonly concealExisting: boolean;
  readonly audit: AuditTrail;
}

/**
 * Checks a password and opens a session. The attempt is counted before the hash is computed, so
 * a burst of parallel guesses cannot all slip under the limit. An unknown email costs the same
 * bcrypt comparison as a wrong password and gets the same answer, so neither the body nor the
 * timing tells them apart.
 */
export async function login(deps: LoginDeps, input: LoginInput): Promise<LoginResult> {
  // The account a failure concerns, once known: the audit log names it, never the password.
  const seen: { subject: string | null } = { subject: null };
  try {
    const result = await checkPassword(deps, input, seen);
    // A login waiting for its second factor has not succeeded yet.
    if (result.outcome === 'signed_in') deps.audit.record({ action: 'login', outcome: 'success', actor: userActor(seen.subject), subject: seen.subject });
    return result;
  } catch (error) {
    deps.audit.record({ action: 'login', outcome: 'failure', subject: seen.subject, reason: failureReason(error) });
    throw error;
  }
}

async function checkPassword(deps: LoginDeps, input: LoginInput, seen: { subject: string | null }): Promise<LoginResult> {
  const { notBefore } = await deps.throttle.reserve(input.email, input.address);
  let verdict: { credential: Awaited<ReturnType<LoginDeps['credentials']['findByEmail']>>; matches: boolean };
  try {
    const credential = await deps.credentials.findByEmail(input.email);
    const matches = await deps.hasher.verify(input.password, credential?.passwordHash ?? deps.hasher.dummyHash);
    verdict = { credential, matches };
  } catch (error) {
    // An outage is nobody's failed guess.
    if (!isAppError(error) || error.code === 'dependency_unavailable') await deps.throttle.release(input.email, input.address).catch(() => undefined);
    throw error;
  }
  const { credential, matches } = verdict;
  seen.subject = credential?.id ?? null;
  if (!credential || !matches) throw invalidCredentials();
  // Counted as a failed guess, exactly like a wrong password: not even the throttle tells.
  if (deps.concealExisting && !credential.emailVerified) throw invalidCredentials();
  await deps.throttle.succeeded(input.email, input.address);
  // Only after the password proved ownership, so this answer enumerates nothing.
  if (deps.requireVerifiedEmail && !credential.emailVerified) {
    throw new AppError('email_not_verified', 'Confirm your email address before logging in.');
  }
  return finishLogin(deps, { credential, amr: ['pwd'], notBefore, userAgent: input.userAgent });
}
