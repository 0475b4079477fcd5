import { backoffDelayMs, backoffSchedule, retryAfterMs } from './login-backoff';

const policy = { freeAttempts: 5, baseDelayMs: 1000, maxDelayMs: 15 * 60_000 };

describe('login back-off', () => {
  it('when failures are below the free attempts, then there is no delay', () => {
    expect([0, 1, 4].map((f) => backoffDelayMs(f, policy))).toEqual([0, 0, 0]);
  });

  it('when failures pass the free attempts, then the delay doubles each time', () => {
    expect([5, 6, 7, 8].map((f) => backoffDelayMs(f, policy))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('when an attacker keeps failing, then the delay never exceeds the cap', () => {
    expect(backoffDelayMs(10_000, policy)).toBe(15 * 60_000);
  });

  it('when the delay has passed on the clock, then the next attempt is allowed', () => {
    const last = 1_000_000;
    expect(retryAfterMs(6, last, last + 500, policy)).toBe(1500);
    expect(retryAfterMs(6, last, last + 2000, policy)).toBe(0);
  });
});

describe('back-off schedule', () => {
  it('when listed, then entry i is the delay after free attempts + i failures and the last one is the cap', () => {
    const policy = { freeAttempts: 2, baseDelayMs: 1000, maxDelayMs: 5000 };
    const schedule = backoffSchedule(policy);
    expect(schedule).toEqual([1000, 2000, 4000, 5000]);
    expect(schedule.map((_, i) => backoffDelayMs(policy.freeAttempts + i, policy))).toEqual(schedule);
  });

  it('when free attempts are practically unlimited, then the schedule stays short', () => {
    expect(backoffSchedule({ freeAttempts: 1e9, baseDelayMs: 1000, maxDelayMs: 900_000 })).toHaveLength(11);
  });
});
