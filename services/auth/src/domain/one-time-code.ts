import { timingSafeEqual } from 'node:crypto';
import { AppError, validationError } from '@gatehouse/errors';
import type { Clock } from './auth.ports';
import type { CodeThrottle, SecretCipher, SecondFactorStore, Totp, TotpFactor, RecoveryCodes } from './mfa.ports';

/** Clock drift tolerated between an authenticator and us: one step either way (RFC 6238 §5.2). */
export const DRIFT_STEPS = 1;

export type CodeCheck = { readonly outcome: 'accepted'; readonly step: number } | { readonly outcome: 'replayed' } | { readonly outcome: 'wrong' };

const sameCode = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Whether `code` is the code of a time step within the drift of `now`, and one later than any
 * already spent: a code works once, and so does every other code of a spent step.
 */
export function checkTotpCode(totp: Totp, secret: Buffer, code: string, now: number, lastUsedStep: number | null): CodeCheck {
  const current = totp.stepAt(now);
  let matched: number | undefined;
  for (let step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
    if (sameCode(totp.codeAt(secret, step), code)) matched = step;
  }
  if (matched === undefined) return { outcome: 'wrong' };
  if (lastUsedStep !== null && matched <= lastUsedStep) return { outcome: 'replayed' };
  return { outcome: 'accepted', step: matched };
}

/** The sealed secret is bound to its owner: a row copied to another user does not open. */
export const totpSecretContext = (userId: string) => `totp-secret:${userId}`;

export function openTotpSecret(cipher: SecretCipher, userId: string, factor: TotpFactor): Buffer {
  return cipher.open(factor.sealedSecret, totpSecretContext(userId));
}

/**
 * One code check, counted against the account before it runs, so that a parallel burst cannot
 * exceed the budget. A right code is forgiven; a check that throws (an outage, a conflict) never
 * reached a verdict and counts as nothing.
 */
export async function countedAttempt(throttle: CodeThrottle, userId: string, check: () => Promise<boolean>): Promise<boolean> {
  await throttle.reserve(userId);
  let passed: boolean;
  try {
    passed = await check();
  } catch (error) {
    await throttle.forgive(userId).catch(() => undefined);
    throw error;
  }
  if (passed) await throttle.forgive(userId);
  return passed;
}

/** How a second factor is proved at login. */
export type SecondFactorProof = { readonly method: 'totp'; readonly code: string } | { readonly method: 'recovery_code'; readonly code: string };

export interface ProofDeps {
  readonly factors: Pick<SecondFactorStore, 'findTotp' | 'useTotpStep' | 'useRecoveryCode'>;
  readonly totp: Totp;
  readonly cipher: SecretCipher;
  readonly recoveryCodes: Pick<RecoveryCodes, 'digest'>;
  readonly clock: Clock;
}

/** True when `proof` is one of the user's second factors, now spent: each step or recovery code works once. */
export async function proveSecondFactor(deps: ProofDeps, userId: string, proof: SecondFactorProof): Promise<boolean> {
  if (proof.method === 'recovery_code') {
    const digest = deps.recoveryCodes.digest(userId, proof.code);
    return digest !== undefined && deps.factors.useRecoveryCode(userId, digest);
  }
  const factor = await deps.factors.findTotp(userId);
  if (!factor?.confirmed) return false;
  const check = checkTotpCode(deps.totp, openTotpSecret(deps.cipher, userId, factor), proof.code, deps.clock(), factor.lastUsedStep);
  return check.outcome === 'accepted' && deps.factors.useTotpStep(userId, check.step);
}

/**
 * A wrong code or password on a route the user is signed in to: 400 naming the field, never a
 * 401, which tells clients the access token is bad (the SDK would refresh, retry with the same
 * wrong proof, and end the session).
 */
export function wrongProof(field: 'code' | 'password'): AppError {
  const what = field === 'code' ? 'is wrong, expired or already used' : 'is incorrect';
  return validationError([{ path: field, message: `"${field}" ${what}` }]);
}

export const accountGone = () => new AppError('token_invalid', 'The account no longer exists.');
export const alreadyEnabled = () => new AppError('mfa_already_enabled', 'An authenticator app is already set up; remove it first to set up another.');
