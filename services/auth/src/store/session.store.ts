import type { Clock, NewSession, RotationResult, SessionClaims, SessionInfo, SessionStore } from '../domain/auth.ports';
import { storedAmr, type AuthMethod } from '../domain/auth-methods';
import type { RateLimit } from './rate-limiter.store';
import { redisKeys } from './redis-keys';
import { defineScript } from './redis-script';
import { CREATE_SESSION, MARK_EMAIL_VERIFIED, REVOKE_ALL, REVOKE_SESSION, ROTATE } from './session.scripts';
import type { RedisClient } from './redis-client';

export interface SessionStoreOptions {
  /** Idle timeout: a session not refreshed for this long ends. */
  readonly idleSeconds: number;
  /** Absolute lifetime from login; refreshing never extends a session past it. */
  readonly maxAgeSeconds: number;
  /** How long the parent of the current refresh token still gets the same successor back. */
  readonly reuseGraceMs: number;
  /**
   * Refreshes per session and window, rotations and grace replays alike: each signs an access
   * token, and a client refreshes every few minutes, not every second.
   */
  readonly refreshLimit: RateLimit;
  /** Live sessions per user; past it, logging in ends the session closest to its end. */
  readonly maxSessionsPerUser: number;
  /** How long a revoke-all fence is kept: longer than any login can take. */
  readonly fenceSeconds: number;
  readonly clock: Clock;
}

type Reply = string[];

/** A session's `m:` field; sessions opened before `amr` was stored were password logins. */
function parseMeta(raw: string | undefined): { createdAt: number; userAgent: string | null; amr: AuthMethod[] } {
  try {
    const meta = JSON.parse(raw ?? '{}') as { createdAt?: unknown; userAgent?: unknown; amr?: unknown };
    return {
      createdAt: typeof meta.createdAt === 'number' ? meta.createdAt : 0,
      userAgent: typeof meta.userAgent === 'string' ? meta.userAgent : null,
      amr: storedAmr(meta.amr),
    };
  } catch {
    return { createdAt: 0, userAgent: null, amr: storedAmr(undefined) };
  }
}

const secondsUntil = (deadline: number, now: number) => Math.max(1, Math.floor((deadline - now) / 1000));

/** Sessions in Redis, one hash per user, each operation one atomic script call (see session.scripts.ts). */
export function createSessionStore(redis: RedisClient, options: SessionStoreOptions): SessionStore {
  const createScript = defineScript(redis, {
    name: 'createSession',
    lua: CREATE_SESSION,
    keys: (input: NewSession & { now: number }) => [redisKeys.sessions(input.userId)],
    args: (input) => [
      input.sessionId,
      JSON.stringify(input.claims),
      input.now,
      options.idleSeconds * 1000,
      options.maxAgeSeconds * 1000,
      input.notBefore,
      options.maxSessionsPerUser,
      JSON.stringify({ createdAt: input.now, userAgent: input.userAgent, amr: input.amr }),
    ],
    parse: (reply) => reply as Reply,
  });
  const rotateScript = defineScript(redis, {
    name: 'rotateSession',
    lua: ROTATE,
    keys: (input: { userId: string; sessionId: string; generation: number; now: number }) => [
      redisKeys.sessions(input.userId),
      redisKeys.refreshes(input.userId, input.sessionId),
    ],
    args: (input) => [
      input.sessionId,
      input.generation,
      input.now,
      options.reuseGraceMs,
      options.idleSeconds * 1000,
      options.refreshLimit.limit,
      options.refreshLimit.windowSeconds * 1000,
    ],
    parse: (reply) => reply as Reply,
  });
  const revokeScript = defineScript(redis, {
    name: 'revokeSession',
    lua: REVOKE_SESSION,
    keys: (input: { userId: string; sessionId: string }) => [redisKeys.sessions(input.userId)],
    args: (input) => [input.sessionId],
    parse: (reply) => Number(reply) === 1,
  });
  const revokeAllScript = defineScript(redis, {
    name: 'revokeAllSessions',
    lua: REVOKE_ALL,
    keys: (input: { userId: string; except?: string }) => [redisKeys.sessions(input.userId)],
    args: (input) => [options.fenceSeconds * 1000, input.except ?? ''],
    parse: (reply) => reply as string[],
  });
  const markVerifiedScript = defineScript(redis, {
    name: 'markEmailVerified',
    lua: MARK_EMAIL_VERIFIED,
    keys: (userId: string) => [redisKeys.sessions(userId)],
    args: () => [],
    parse: () => undefined,
  });

  return {
    async create(input) {
      const now = options.clock();
      const reply = await createScript({ ...input, now });
      if (reply[0] !== 'created') return { created: false };
      return { created: true, refreshExpiresIn: secondsUntil(Number(reply[1]), now) };
    },
    async rotate(token): Promise<RotationResult> {
      const now = options.clock();
      const reply = await rotateScript({ ...token, now });
      switch (reply[0]) {
        case 'rotated':
          return {
            outcome: 'rotated',
            generation: Number(reply[1]),
            refreshExpiresIn: secondsUntil(Number(reply[2]), now),
            claims: JSON.parse(reply[3]!) as SessionClaims,
            amr: parseMeta(reply[4]).amr,
          };
        case 'limited':
          return { outcome: 'limited', retryAfterMs: Number(reply[1]) };
        case 'reused':
          return { outcome: 'reused', claims: JSON.parse(reply[1]!) as SessionClaims };
        default:
          return { outcome: 'invalid' };
      }
    },
    async exists(userId, sessionId) {
      return (await redis.hexists(redisKeys.sessions(userId), `s:${sessionId}`)) === 1;
    },
    revoke: (userId, sessionId) => revokeScript({ userId, sessionId }),
    revokeAll: (userId, except) => revokeAllScript({ userId, except }),
    async list(userId) {
      const now = options.clock();
      const fields = await redis.hgetall(redisKeys.sessions(userId));
      const sessions: SessionInfo[] = [];
      for (const [field, value] of Object.entries(fields)) {
        if (!field.startsWith('s:')) continue;
        // The field layout of session.scripts.ts: generation|rotatedAt|idleUntil|expiresAt.
        const [generation, rotatedAt, idleUntil, expiresAt] = value.split('|').map(Number) as [number, number, number, number];
        if (!Number.isFinite(generation) || now >= idleUntil || now >= expiresAt) continue;
        const sessionId = field.slice(2);
        const meta = parseMeta(fields[`m:${sessionId}`]);
        sessions.push({ sessionId, createdAt: meta.createdAt, lastUsedAt: Math.max(rotatedAt, meta.createdAt), userAgent: meta.userAgent });
      }
      return sessions.sort((a, b) => b.lastUsedAt - a.lastUsedAt);
    },
    markEmailVerified: (userId) => markVerifiedScript(userId),
  };
}
