import { AppError } from '@gatehouse/errors';
import type { CredentialStore, PasswordHasher } from './auth.ports';
import { claimsOf, openSession, type IssuedSession, type SessionDeps } from './session';

/** Counts failures per account and client, refusing attempts while a back-off runs. */
export interface LoginThrottle {
  /** Throws `rate_limited` (with `retryAfterSeconds`) while this account may not be tried from `ip`. */
  assertAllowed(account: string, ip: string): Promise<void>;
  recordFailure(account: string, ip: string): Promise<void>;
  recordSuccess(account: string, ip: string): Promise<void>;
}

export interface LoginInput {
  readonly email: string;
  readonly password: string;
  readonly ip: string;
}

export interface LoginDeps extends SessionDeps {
  readonly credentials: Pick<CredentialStore, 'findByEmail'>;
  readonly hasher: Pick<PasswordHasher, 'verify' | 'dummyHash'>;
  readonly throttle: LoginThrottle;
  readonly requireVerifiedEmail: boolean;
}

const invalidCredentials = () => new AppError('invalid_credentials', 'The email or password is incorrect.');

/**
 * Checks a password and opens a session. An unknown email costs the same bcrypt comparison as
 * a wrong password and gets the same answer, so neither the body nor the timing tells them apart.
 */
export async function login(deps: LoginDeps, input: LoginInput): Promise<IssuedSession> {
  await deps.throttle.assertAllowed(input.email, input.ip);
  const credential = await deps.credentials.findByEmail(input.email);
  const matches = await deps.hasher.verify(input.password, credential?.passwordHash ?? deps.hasher.dummyHash);
  if (!credential || !matches) {
    await deps.throttle.recordFailure(input.email, input.ip);
    throw invalidCredentials();
  }
  await deps.throttle.recordSuccess(input.email, input.ip);
  // Only after the password proved ownership, so this answer enumerates nothing.
  if (deps.requireVerifiedEmail && !credential.emailVerified) {
    throw new AppError('email_not_verified', 'Confirm your email address before logging in.');
  }
  return openSession(deps, claimsOf(credential));
}
