import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('when attempts grow, then the delay doubles from the base until the cap', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});
