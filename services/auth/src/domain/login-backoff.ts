/**
 * Progressive back-off for failed logins: a few free attempts, then a delay that doubles with
 * each further failure, capped so that nobody is locked out for longer than `maxDelayMs`.
 */
export interface BackoffPolicy {
  readonly freeAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export function backoffDelayMs(failures: number, policy: BackoffPolicy): number {
  if (failures < policy.freeAttempts) return 0;
  const exponent = Math.min(failures - policy.freeAttempts, 30);
  return Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
}

/** Milliseconds until the next attempt is allowed (0 = now). */
export function retryAfterMs(failures: number, lastFailureAt: number, now: number, policy: BackoffPolicy): number {
  const waitUntil = lastFailureAt + backoffDelayMs(failures, policy);
  return Math.max(0, waitUntil - now);
}

/**
 * The delays once the free attempts are spent: entry i is the wait after `freeAttempts + i`
 * failures, up to the first capped one, which holds for every further failure. Lets a Redis
 * script apply this policy without restating it.
 */
export function backoffSchedule(policy: BackoffPolicy): number[] {
  const schedule: number[] = [];
  for (let failures = policy.freeAttempts; ; failures++) {
    const delay = backoffDelayMs(failures, policy);
    schedule.push(delay);
    if (delay >= policy.maxDelayMs || failures - policy.freeAttempts >= 30) return schedule;
  }
}
