import type Redis from 'ioredis';

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly retryAfterMs: number;
}

export interface RateLimiter {
  /** Counts one hit on `key`; refuses past `limit` hits per window. */
  hit(key: string): Promise<RateLimitDecision>;
}

const FIXED_WINDOW = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
`;

/** A fixed-window counter in Redis: shared by every replica, one round trip per hit. */
export function createRateLimiter(redis: Redis, name: string, limit: number, windowSeconds: number): RateLimiter {
  if (!(redis as unknown as Record<string, unknown>).gatehouse_fixedWindow) {
    redis.defineCommand('gatehouse_fixedWindow', { numberOfKeys: 1, lua: FIXED_WINDOW });
  }
  const run = (redis as unknown as Record<string, (key: string, windowMs: number) => Promise<[number, number]>>).gatehouse_fixedWindow!.bind(redis);
  return {
    async hit(key) {
      const [count, ttl] = await run(`rl:${name}:${key}`, windowSeconds * 1000);
      return { allowed: count <= limit, retryAfterMs: count <= limit ? 0 : ttl };
    },
  };
}
