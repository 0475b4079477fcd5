/**
 * How a session was signed in, as its access tokens say in `amr` (RFC 8176): `pwd` a password,
 * `otp` a one-time code (TOTP, or a recovery code: NIST's look-up secret is a one-time password
 * too), `hwk` / `swk` a hardware- or software-bound key (passkeys).
 */
export type AuthMethod = 'pwd' | 'otp' | 'hwk' | 'swk';

/** What a second step of the login can be; the challenge lists the ones the account has. */
export type SecondFactorMethod = 'totp' | 'recovery_code';

/** Methods that already are a second factor: a login that used one needs no further step. */
const SECOND_FACTOR_AMR: readonly AuthMethod[] = ['otp', 'hwk', 'swk'];

export function includesSecondFactor(amr: readonly AuthMethod[]): boolean {
  return amr.some((method) => SECOND_FACTOR_AMR.includes(method));
}

/** What each second factor adds to `amr`; the compiler asks for an entry for every new one. */
const AMR_OF: Readonly<Record<SecondFactorMethod, AuthMethod>> = { totp: 'otp', recovery_code: 'otp' };

/** The `amr` of a login whose first step proved `first` and whose second step used `method`. */
export function withSecondFactor(first: readonly AuthMethod[], method: SecondFactorMethod): AuthMethod[] {
  const added = AMR_OF[method];
  return first.includes(added) ? [...first] : [...first, added];
}

/** What sessions opened before `amr` was kept with them were: password logins. */
export const LEGACY_SESSION_AMR: readonly AuthMethod[] = ['pwd'];

const KNOWN: ReadonlySet<string> = new Set<AuthMethod>(['pwd', 'otp', 'hwk', 'swk']);

/** The methods stored with a session, or the legacy value when absent or unreadable. */
export function storedAmr(value: unknown): AuthMethod[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((m) => typeof m === 'string' && KNOWN.has(m))) return [...LEGACY_SESSION_AMR];
  return value as AuthMethod[];
}
