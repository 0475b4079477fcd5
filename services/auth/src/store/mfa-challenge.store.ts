import type { Clock } from '../domain/auth.ports';
import { storedAmr } from '../domain/auth-methods';
import type { MfaChallenges, PendingLogin } from '../domain/mfa.ports';
import { redisKeys } from './redis-keys';
import { defineScript } from './redis-script';
import type { RedisClient } from './redis-client';

export interface MfaChallengeStoreOptions {
  /** Code attempts one token takes; the next presentation finds it void. */
  readonly maxAttempts: number;
  readonly clock: Clock;
}

/** Redis forgets a token a little after it expired on the service clock, which decides. */
const CLEANUP_SLACK_MS = 60_000;

/**
 * KEYS: login. ARGV: now (service clock), max attempts.
 * Counts one attempt before the code is checked, so parallel guesses all count. Returns
 * {'pending', user, version, notBefore, amr} or {'void'} (unknown, expired or out of attempts;
 * the latter two are deleted).
 */
const ATTEMPT = `
local user, version, not_before, amr, expires_at = unpack(redis.call('HMGET', KEYS[1], 'user', 'version', 'notBefore', 'amr', 'expiresAt'))
if not user then return {'void'} end
if tonumber(ARGV[1]) >= tonumber(expires_at) then
  redis.call('DEL', KEYS[1])
  return {'void'}
end
if redis.call('HINCRBY', KEYS[1], 'attempts', 1) > tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return {'void'}
end
return {'pending', user, version, not_before, amr}
`;

/** Logins waiting for their second factor, one hash per `mfaToken` digest. */
export function createMfaChallengeStore(redis: RedisClient, options: MfaChallengeStoreOptions): MfaChallenges {
  const attempt = defineScript(redis, {
    name: 'mfaLoginAttempt',
    lua: ATTEMPT,
    keys: (tokenDigest: string) => [redisKeys.mfaLogin(tokenDigest)],
    args: () => [options.clock(), options.maxAttempts],
    parse: (reply) => reply as string[],
  });
  return {
    async create(tokenDigest, login, expiresAt) {
      const key = redisKeys.mfaLogin(tokenDigest);
      await redis
        .multi()
        .hset(key, { user: login.userId, version: login.credentialVersion, notBefore: login.notBefore, amr: login.amr.join(','), expiresAt, attempts: 0 })
        .pexpire(key, Math.max(1, expiresAt - options.clock()) + CLEANUP_SLACK_MS)
        .exec();
    },
    async attempt(tokenDigest): Promise<PendingLogin | undefined> {
      const [outcome, userId, version, notBefore, amr] = await attempt(tokenDigest);
      if (outcome !== 'pending') return undefined;
      return { userId: userId!, credentialVersion: version!, notBefore: Number(notBefore), amr: storedAmr(amr!.split(',')) };
    },
    async consume(tokenDigest) {
      return (await redis.del(redisKeys.mfaLogin(tokenDigest))) === 1;
    },
  };
}
