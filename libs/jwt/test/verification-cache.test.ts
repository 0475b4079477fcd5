import type { AccessTokenClaims } from '../src';
import { VerificationCache } from '../src/verification-cache';

const T = 1_800_000_000;

function entry(exp: number) {
  const claims: AccessTokenClaims = {
    kind: 'user',
    sub: 'u',
    roles: ['user'],
    jti: `j${exp}`,
    iat: exp - 60,
    exp,
    email: 'a@example.com',
    name: null,
    emailVerified: true,
    sid: 's',
    amr: ['pwd'],
  };
  return { claims, kid: 'k' };
}

describe('verification cache', () => {
  it('when tokens have expired, then new entries push them out even below the size bound', () => {
    const cache = new VerificationCache(10_000);
    for (let i = 0; i < 100; i += 1) cache.set(`old-${i}`, entry(T + i), T);

    for (let i = 0; i < 30; i += 1) cache.set(`new-${i}`, entry(T + 1000 + i), T + 500);

    expect(cache.size).toBe(30);
    expect(cache.get('new-0', T + 500)).toBeDefined();
    expect(cache.get('old-99', T + 500)).toBeUndefined();
  });

  it('when the oldest entry is still live, then nothing is dropped before the size bound', () => {
    const cache = new VerificationCache(3);
    for (let i = 0; i < 3; i += 1) cache.set(`t-${i}`, entry(T + 900), T);

    expect(cache.size).toBe(3);
    cache.set('t-3', entry(T + 900), T);
    expect(cache.size).toBe(3);
    expect(cache.get('t-0', T)).toBeUndefined();
    expect(cache.get('t-3', T)).toBeDefined();
  });

  it('when the cache is disabled, then nothing is kept', () => {
    const cache = new VerificationCache(0);
    cache.set('t', entry(T + 900), T);
    expect(cache.size).toBe(0);
  });
});
