import { rateLimitedError, type AppError } from '@gatehouse/errors';
import { backoffDelayMs, type BackoffPolicy } from './login-backoff';

/**
 * The first wait once an address has spent its free attempts on an account. A second goes
 * unnoticed by a person retyping a password; doubling from it reaches the default 15-minute cap
 * after ten more failures, so a guesser on one address gets about fifteen tries before every
 * further one costs the full cap.
 */
export const LOGIN_BACKOFF_BASE_MS = 1000;
/**
 * An address that logged in to the account stays exempt from the account budget this long after
 * the account's last successful login: someone signing in monthly keeps their usual device.
 */
export const TRUSTED_ADDRESS_SECONDS = 30 * 86_400;
/**
 * How long an address's failures on an account count towards its back-off: a day is far longer
 * than the capped delay, so waiting out the back-off never also wipes the slate.
 */
export const FAILURE_MEMORY_MS = 86_400_000;

/**
 * The lockout policy of password logins, in two layers:
 * - per account and address: a few free failures, then a doubling delay with a cap. A guesser
 *   slows down; the real user on their own address is unaffected.
 * - per account, all addresses: a failure budget per window against distributed guessing. It does
 *   not apply to trusted addresses (those the account logged in from), so an attacker can never
 *   lock the real user out of their usual device, and others wait at most one window.
 */
export interface LoginLockoutPolicy {
  readonly backoff: BackoffPolicy;
  /** Failures on one account from all addresses, per window, before untrusted addresses wait. */
  readonly accountBudget: { readonly failures: number; readonly windowMs: number };
  readonly trustedAddressSeconds: number;
  readonly failureMemoryMs: number;
}

/** What operators tune (config); the rest of the policy is fixed above, with its reasons. */
export interface LoginLockoutSettings {
  readonly freeAttempts: number;
  readonly maxDelayMs: number;
  readonly accountFailureLimit: number;
  readonly accountWindowSeconds: number;
}

export function loginLockoutPolicy(settings: LoginLockoutSettings): LoginLockoutPolicy {
  return {
    backoff: { freeAttempts: settings.freeAttempts, baseDelayMs: LOGIN_BACKOFF_BASE_MS, maxDelayMs: settings.maxDelayMs },
    accountBudget: { failures: settings.accountFailureLimit, windowMs: settings.accountWindowSeconds * 1000 },
    trustedAddressSeconds: TRUSTED_ADDRESS_SECONDS,
    failureMemoryMs: FAILURE_MEMORY_MS,
  };
}

/** What is known of an account and an address when an attempt starts. Times in ms since the epoch. */
export interface LoginAttemptState {
  /** Failures from this address on this account, within the failure memory and since the last clear. */
  readonly addressFailures: number;
  readonly lastFailureAt: number;
  /** Failures on this account from every address in the current budget window. */
  readonly accountFailures: number;
  /** Until the budget window ends; 0 when none is running. */
  readonly accountWindowLeftMs: number;
  readonly addressTrusted: boolean;
}

/**
 * How long the attempt must wait (0: it goes ahead and counts as a failure until it succeeds).
 * The store applies this rule in one atomic step with the count (its Lua script restates it, fed
 * with `backoffSchedule`), so parallel guesses cannot slip past it; this is the rule it restates.
 */
export function lockoutWaitMs(state: LoginAttemptState, policy: LoginLockoutPolicy, now: number): number {
  if (state.addressFailures >= policy.backoff.freeAttempts) {
    const wait = state.lastFailureAt + backoffDelayMs(state.addressFailures, policy.backoff) - now;
    if (wait > 0) return wait;
  }
  if (state.accountFailures >= policy.accountBudget.failures && !state.addressTrusted) {
    return state.accountWindowLeftMs > 0 ? state.accountWindowLeftMs : policy.accountBudget.windowMs;
  }
  return 0;
}

export function tooManyLoginAttempts(waitMs: number): AppError {
  return rateLimitedError(waitMs, 'Too many failed login attempts. Try again later.');
}
