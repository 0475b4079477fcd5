import type { Clock, LoginThrottle } from '../domain/auth.ports';
import { backoffSchedule } from '../domain/login-backoff';
import { tooManyLoginAttempts, type LoginLockoutPolicy } from '../domain/login-lockout.policy';
import { accountKey, redisKeys } from './redis-keys';
import { defineScript, REDIS_NOW_LUA } from './redis-script';
import type { RedisClient } from './redis-client';

/**
 * KEYS: pair, failures, trusted, cleared. ARGV: address, now, free attempts, delays (comma list: the wait
 * after free attempts + 0, 1, 2 … failures), account budget, account window ms, failure memory ms.
 * Applies `lockoutWaitMs` (domain/login-lockout.policy.ts) and counts in one step, before the
 * password is hashed, so N parallel guesses count N: an attempt is counted as a failure when it
 * starts, and a success takes it back. Returns {'wait', ms} or {'reserved', Redis now ms}.
 */
const RESERVE = `${REDIS_NOW_LUA}
local now = tonumber(ARGV[2])
local failures = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
if last < tonumber(redis.call('GET', KEYS[4]) or '0') then
  redis.call('DEL', KEYS[1])
  failures, last = 0, 0
end
local free = tonumber(ARGV[3])
if failures >= free then
  local delays = {}
  for delay in string.gmatch(ARGV[4], '%d+') do table.insert(delays, tonumber(delay)) end
  local wait = last + delays[math.min(failures - free + 1, #delays)] - now
  if wait > 0 then return {'wait', string.format('%d', wait)} end
end
local account = tonumber(redis.call('GET', KEYS[2]) or '0')
if account >= tonumber(ARGV[5]) and redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 0 then
  local ttl = redis.call('PTTL', KEYS[2])
  if ttl <= 0 then ttl = tonumber(ARGV[6]) end
  return {'wait', string.format('%d', ttl)}
end
redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('HSET', KEYS[1], 'last', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('INCR', KEYS[2])
if redis.call('PTTL', KEYS[2]) < 0 then redis.call('PEXPIRE', KEYS[2], ARGV[6]) end
return {'reserved', string.format('%d', redis_now_ms())}
`;

/** KEYS: pair, failures, trusted. ARGV: address, trusted ttl s. The attempt was the owner: forgive it. */
const SUCCEEDED = `
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return 1
`;

/** KEYS: failures, cleared. ARGV: now, ttl ms. Forgives every failure so far, from every address. */
const CLEAR = `
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** KEYS: pair, failures. The attempt never reached a verdict (an outage): it counts as nothing. */
const RELEASE = `
if tonumber(redis.call('HGET', KEYS[1], 'n') or '0') > 0 then redis.call('HINCRBY', KEYS[1], 'n', -1) end
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 1
`;

interface Attempt {
  readonly account: string;
  readonly address: string;
}

const keysOf = ({ account, address }: Attempt) => {
  const digest = accountKey(account);
  return [redisKeys.loginPair(digest, address), redisKeys.loginFailures(digest), redisKeys.loginTrusted(digest), redisKeys.loginCleared(digest)];
};

/**
 * The counters of the login lockout, in Redis so they hold across replicas: per account and
 * address, per account, the account's trusted addresses and its last clear. What they allow is
 * the domain's `LoginLockoutPolicy`; the scripts apply it atomically.
 */
export function createLoginThrottle(redis: RedisClient, policy: LoginLockoutPolicy, clock: Clock): LoginThrottle {
  const delays = backoffSchedule(policy.backoff).join(',');
  const reserve = defineScript(redis, {
    name: 'loginReserve',
    lua: RESERVE,
    keys: keysOf,
    args: (attempt: Attempt) => [
      attempt.address,
      clock(),
      policy.backoff.freeAttempts,
      delays,
      policy.accountBudget.failures,
      policy.accountBudget.windowMs,
      policy.failureMemoryMs,
    ],
    parse: (reply) => reply as string[],
  });
  const clear = defineScript(redis, {
    name: 'loginClear',
    lua: CLEAR,
    keys: (account: string) => [redisKeys.loginFailures(accountKey(account)), redisKeys.loginCleared(accountKey(account))],
    // The mark only has to outlive the pair counters it voids.
    args: () => [clock(), policy.failureMemoryMs],
    parse: () => undefined,
  });
  const succeeded = defineScript(redis, {
    name: 'loginSucceeded',
    lua: SUCCEEDED,
    keys: (attempt: Attempt) => keysOf(attempt).slice(0, 3),
    args: (attempt: Attempt) => [attempt.address, policy.trustedAddressSeconds],
    parse: () => undefined,
  });
  const release = defineScript(redis, {
    name: 'loginRelease',
    lua: RELEASE,
    keys: (attempt: Attempt) => keysOf(attempt).slice(0, 2),
    args: () => [],
    parse: () => undefined,
  });
  return {
    async reserve(account, address) {
      const [outcome, value] = await reserve({ account, address });
      if (outcome === 'wait') throw tooManyLoginAttempts(Number(value));
      return { notBefore: Number(value) };
    },
    succeeded: (account, address) => succeeded({ account, address }),
    release: (account, address) => release({ account, address }),
    clear: (account) => clear(account),
  };
}
