import type { RedisClient } from './redis-client';
import type { Clock } from '../domain/auth.ports';
import type { PasskeyChallenges, PendingCeremony } from '../domain/passkey.ports';
import { redisKeys } from './redis-keys';
import { defineScript, REDIS_NOW_LUA } from './redis-script';

/** Redis forgets a challenge a little after it expired on the service clock, which decides. */
const CLEANUP_SLACK_MS = 60_000;

/**
 * KEYS: challenge. ARGV: now (service clock).
 * Reads and deletes in one step, so a challenge is answered once however many requests race.
 * Returns {'taken', purpose, user, session, redis now} or {'void'} (unknown, used or expired).
 */
const TAKE = `
${REDIS_NOW_LUA}
local purpose, user, session, expires_at = unpack(redis.call('HMGET', KEYS[1], 'purpose', 'user', 'session', 'expiresAt'))
if not purpose then return {'void'} end
redis.call('DEL', KEYS[1])
if tonumber(ARGV[1]) >= tonumber(expires_at) then return {'void'} end
return {'taken', purpose, user or '', session or '', string.format('%d', redis_now_ms())}
`;

/** Single-use WebAuthn challenges, one hash per challenge digest. */
export function createPasskeyChallengeStore(redis: RedisClient, options: { readonly clock: Clock }): PasskeyChallenges {
  const take = defineScript(redis, {
    name: 'passkeyChallengeTake',
    lua: TAKE,
    keys: (challengeDigest: string) => [redisKeys.passkeyChallenge(challengeDigest)],
    args: () => [options.clock()],
    parse: (reply) => reply as string[],
  });
  return {
    async create(challengeDigest, ceremony, expiresAt) {
      const key = redisKeys.passkeyChallenge(challengeDigest);
      const fields = ceremony.purpose === 'register' ? { purpose: 'register', user: ceremony.userId, session: ceremony.sessionId } : { purpose: 'login' };
      await redis
        .multi()
        .hset(key, { ...fields, expiresAt })
        .pexpire(key, Math.max(1, expiresAt - options.clock()) + CLEANUP_SLACK_MS)
        .exec();
    },
    async take(challengeDigest) {
      const [outcome, purpose, userId, sessionId, takenAt] = await take(challengeDigest);
      if (outcome !== 'taken') return undefined;
      const ceremony: PendingCeremony = purpose === 'register' ? { purpose: 'register', userId: userId!, sessionId: sessionId! } : { purpose: 'login' };
      return { ceremony, takenAt: Number(takenAt) };
    },
  };
}
