import { rateLimitedError } from '@gatehouse/errors';
import type { CodeThrottle } from '../domain/mfa.ports';
import type { RateLimit } from './rate-limiter.store';
import { redisKeys } from './redis-keys';
import { defineScript, FIXED_WINDOW_LUA } from './redis-script';
import type { RedisClient } from './redis-client';

/** KEYS: failures. Takes back one reserved attempt (a right code, or no verdict). */
const FORGIVE = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 1
`;

const tooManyCodes = (waitMs: number) => rateLimitedError(waitMs, 'Too many wrong codes. Try again later.');

/**
 * One-time codes per account and fixed window, in Redis so it holds across replicas. An attempt
 * is counted when it starts and taken back when the code was right, so N parallel guesses count
 * N and never exceed the budget. Per account, not per address: whoever tries codes already knows
 * the password, and addresses are cheap.
 */
export function createCodeThrottle(redis: RedisClient, rule: RateLimit): CodeThrottle {
  const reserve = defineScript(redis, {
    name: 'mfaCodeReserve',
    lua: `${FIXED_WINDOW_LUA}\nreturn fixed_window_hit(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))`,
    keys: (userId: string) => [redisKeys.mfaFailures(userId)],
    args: () => [rule.limit, rule.windowSeconds * 1000],
    parse: (reply) => Number(reply),
  });
  const forgive = defineScript(redis, {
    name: 'mfaCodeForgive',
    lua: FORGIVE,
    keys: (userId: string) => [redisKeys.mfaFailures(userId)],
    args: () => [],
    parse: () => undefined,
  });
  return {
    async reserve(userId) {
      const waitMs = await reserve(userId);
      if (waitMs > 0) throw tooManyCodes(waitMs);
    },
    forgive: (userId) => forgive(userId),
  };
}
