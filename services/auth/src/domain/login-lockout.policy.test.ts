import { isAppError } from '@gatehouse/errors';
import {
  LOGIN_BACKOFF_BASE_MS,
  loginLockoutPolicy,
  lockoutWaitMs,
  tooManyLoginAttempts,
  TRUSTED_ADDRESS_SECONDS,
  type LoginAttemptState,
} from './login-lockout.policy';

const policy = loginLockoutPolicy({ freeAttempts: 5, maxDelayMs: 900_000, accountFailureLimit: 50, accountWindowSeconds: 900 });
const now = 1_000_000_000;
const fresh: LoginAttemptState = { addressFailures: 0, lastFailureAt: 0, accountFailures: 0, accountWindowLeftMs: 0, addressTrusted: false };

describe('login lockout policy', () => {
  it('when built from the operator settings, then the fixed parts keep their reasoned values', () => {
    expect(policy).toEqual({
      backoff: { freeAttempts: 5, baseDelayMs: LOGIN_BACKOFF_BASE_MS, maxDelayMs: 900_000 },
      accountBudget: { failures: 50, windowMs: 900_000 },
      trustedAddressSeconds: TRUSTED_ADDRESS_SECONDS,
      failureMemoryMs: 86_400_000,
    });
  });

  it('when the failure memory is compared with the capped delay, then it outlasts it', () => {
    expect(policy.failureMemoryMs).toBeGreaterThan(policy.backoff.maxDelayMs);
  });

  it('when an address has not used its free attempts, then it goes ahead at once', () => {
    expect(lockoutWaitMs({ ...fresh, addressFailures: 4, lastFailureAt: now }, policy, now)).toBe(0);
  });

  it('when an address has used its free attempts, then it waits the base delay from its last failure', () => {
    expect(lockoutWaitMs({ ...fresh, addressFailures: 5, lastFailureAt: now - 400 }, policy, now)).toBe(600);
  });

  it('when an address keeps failing, then its delay doubles up to the cap', () => {
    const waits = [6, 7, 20].map((addressFailures) => lockoutWaitMs({ ...fresh, addressFailures, lastFailureAt: now }, policy, now));
    expect(waits).toEqual([2000, 4000, 900_000]);
  });

  it('when the back-off delay has passed, then the address may try again', () => {
    expect(lockoutWaitMs({ ...fresh, addressFailures: 6, lastFailureAt: now - 2000 }, policy, now)).toBe(0);
  });

  it('when the account budget is spent, then an untrusted address waits for the rest of the window', () => {
    expect(lockoutWaitMs({ ...fresh, accountFailures: 50, accountWindowLeftMs: 120_000 }, policy, now)).toBe(120_000);
  });

  it('when the account budget is spent but its window has no end yet, then an untrusted address waits a whole window', () => {
    expect(lockoutWaitMs({ ...fresh, accountFailures: 50 }, policy, now)).toBe(900_000);
  });

  it('when the account budget is spent, then an address the account logged in from still goes ahead', () => {
    expect(lockoutWaitMs({ ...fresh, accountFailures: 500, accountWindowLeftMs: 120_000, addressTrusted: true }, policy, now)).toBe(0);
  });

  it('when a trusted address is in its own back-off, then trust does not lift that delay', () => {
    expect(lockoutWaitMs({ ...fresh, addressFailures: 5, lastFailureAt: now, addressTrusted: true }, policy, now)).toBe(1000);
  });

  it('when both layers hold an address back, then the back-off answers first', () => {
    expect(lockoutWaitMs({ ...fresh, addressFailures: 5, lastFailureAt: now, accountFailures: 50, accountWindowLeftMs: 120_000 }, policy, now)).toBe(1000);
  });

  it('when the wait is answered, then it is a rate_limited error in whole seconds', () => {
    const error = tooManyLoginAttempts(1500);
    expect(isAppError(error) && error.code).toBe('rate_limited');
    expect(error.details).toEqual({ retryAfterSeconds: 2 });
  });
});
