import { isAppError } from '@gatehouse/errors';
import type { Credential, LoginThrottle, PasswordHasher } from './auth.ports';

export interface CurrentPasswordDeps {
  readonly throttle: LoginThrottle;
  readonly hasher: Pick<PasswordHasher, 'verify'>;
}

/**
 * Whether a signed-in user typed their current password. Wrong guesses count like failed logins
 * (before bcrypt runs), so a stolen access token cannot brute-force the password; an outage
 * counts as nothing.
 */
export async function isCurrentPassword(deps: CurrentPasswordDeps, account: Credential, password: string, address: string): Promise<boolean> {
  await deps.throttle.reserve(account.email, address);
  let matches: boolean;
  try {
    matches = await deps.hasher.verify(password, account.passwordHash);
  } catch (error) {
    if (!isAppError(error) || error.code === 'dependency_unavailable') await deps.throttle.release(account.email, address).catch(() => undefined);
    throw error;
  }
  if (matches) await deps.throttle.succeeded(account.email, address);
  return matches;
}
