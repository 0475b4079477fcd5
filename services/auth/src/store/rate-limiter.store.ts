import { defineScript, FIXED_WINDOW_LUA } from './redis-script';
import { redisKeys } from './redis-keys';
import type { RedisClient } from './redis-client';

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly retryAfterMs: number;
}

export interface RateLimiter {
  /** Counts one hit on `subject`; refuses past `limit` hits per window. */
  hit(subject: string): Promise<RateLimitDecision>;
}

export interface RateLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

/**
 * The one rate-limit shape of the service: a fixed window in Redis, shared by every replica and
 * counted before the work it protects, one round trip per hit. Where a limit must be counted in
 * the same atomic step as the work (refresh rotations, login attempts), the scripts embed the same
 * `FIXED_WINDOW_LUA` instead of calling this.
 */
export function createRateLimiter(redis: RedisClient, name: string, rule: RateLimit): RateLimiter {
  const hit = defineScript(redis, {
    name: 'fixedWindow',
    lua: `${FIXED_WINDOW_LUA}\nreturn fixed_window_hit(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))`,
    keys: (subject: string) => [redisKeys.rateLimit(name, subject)],
    args: () => [rule.limit, rule.windowSeconds * 1000],
    parse: (reply) => Number(reply),
  });
  return {
    async hit(subject) {
      const retryAfterMs = await hit(subject);
      return { allowed: retryAfterMs === 0, retryAfterMs };
    },
  };
}
