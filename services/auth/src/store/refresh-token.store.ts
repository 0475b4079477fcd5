import type Redis from 'ioredis';
import type { Clock, RefreshTokenStore, SessionClaims } from '../domain/auth.ports';
import { CREATE_SESSION, MARK_EMAIL_VERIFIED, REVOKE_ALL_FOR_USER, REVOKE_BY_TOKEN, ROTATE } from './refresh-token.scripts';

export interface RefreshTokenStoreOptions {
  /** The prefix the ioredis client was created with (its `keyPrefix`). */
  readonly keyPrefix: string;
  readonly ttlSeconds: number;
  /** Refreshes allowed per client address and window, counted inside the rotation script. */
  readonly clientLimit: { readonly max: number; readonly windowSeconds: number };
  /** How long a just-rotated token may still be rotated again (two tabs refreshing at once). */
  readonly reuseGraceMs: number;
  readonly clock: Clock;
}

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

/** Refresh tokens in Redis, stored only as digests; every operation is one atomic script call. */
export function createRefreshTokenStore(redis: Redis, options: RefreshTokenStoreOptions): RefreshTokenStore {
  const scripts = {
    createSession: [3, CREATE_SESSION],
    rotate: [3, ROTATE],
    revokeByToken: [1, REVOKE_BY_TOKEN],
    revokeAll: [1, REVOKE_ALL_FOR_USER],
    markEmailVerified: [1, MARK_EMAIL_VERIFIED],
  } as const;
  for (const [name, [numberOfKeys, lua]] of Object.entries(scripts)) {
    // defineCommand sends EVALSHA and falls back to EVAL once: one round trip per call.
    redis.defineCommand(`gatehouse_${name}`, { numberOfKeys, lua });
  }
  const call = (name: keyof typeof scripts): ScriptCall =>
    (redis as unknown as Record<string, ScriptCall>)[`gatehouse_${name}`]!.bind(redis);
  const prefix = options.keyPrefix;
  const ttl = options.ttlSeconds;

  return {
    async createSession(sessionId, tokenHash, claims) {
      await call('createSession')(`rt:${tokenHash}`, `sess:${sessionId}`, `user:${claims.userId}:sess`, prefix, sessionId, claims.userId, JSON.stringify(claims), ttl);
    },
    async rotate(oldHash, newHash, clientAddress) {
      const limit = options.clientLimit;
      const reply = (await call('rotate')(
        `rt:${oldHash}`,
        `rt:${newHash}`,
        `rl:refresh:${clientAddress}`,
        prefix,
        options.clock(),
        options.reuseGraceMs,
        ttl,
        limit.max,
        limit.windowSeconds * 1000,
      )) as string[];
      if (reply[0] === 'limited') return { outcome: 'limited', retryAfterMs: Number(reply[1]) };
      if (reply[0] === 'rotated') return { outcome: 'rotated', sessionId: reply[1]!, claims: JSON.parse(reply[2]!) as SessionClaims };
      if (reply[0] === 'reused') return { outcome: 'reused', sessionId: reply[1]!, userId: reply[2]! };
      return { outcome: 'invalid' };
    },
    async revokeByToken(tokenHash) {
      const sid = (await call('revokeByToken')(`rt:${tokenHash}`, prefix)) as string | null;
      return sid ?? undefined;
    },
    async revokeAllForUser(userId) {
      return (await call('revokeAll')(`user:${userId}:sess`, prefix)) as string[];
    },
    async markEmailVerified(userId) {
      await call('markEmailVerified')(`user:${userId}:sess`, prefix);
    },
  };
}
