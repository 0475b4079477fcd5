import type { Clock, NewSession, RotationResult, SessionStore } from '../domain/auth.ports';
import type { RateLimit } from './rate-limiter.store';
import { redisKeys } from './redis-keys';
import { defineScript } from './redis-script';
import { fieldIdOf, listedSessions, sessionArgs, sessionIdOf, storedSessionOf } from './session.layout';
import { CREATE_SESSION, LIST_SESSIONS, MARK_EMAIL_VERIFIED, REVOKE_ALL, REVOKE_SESSION, ROTATE, SESSION_EXISTS } from './session.scripts';
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

const secondsUntil = (deadline: number, now: number) => Math.max(1, Math.floor((deadline - now) / 1000));

/** Sessions in Redis, one hash per user, each operation one atomic script call (see session.scripts.ts). */
export function createSessionStore(redis: RedisClient, options: SessionStoreOptions): SessionStore {
  const userKeys = (userId: string) => [redisKeys.sessions(userId), redisKeys.legacySessions(userId)];
  const createScript = defineScript(redis, {
    name: 'createSession',
    lua: CREATE_SESSION,
    keys: (input: NewSession & { fieldId: string; now: number }) => userKeys(input.userId),
    args: (input) => [
      input.fieldId,
      input.now,
      options.idleSeconds * 1000,
      options.maxAgeSeconds * 1000,
      input.notBefore,
      options.maxSessionsPerUser,
      ...sessionArgs(input.claims, input.amr, input.userAgent),
    ],
    parse: (reply) => reply as Reply,
  });
  const rotateScript = defineScript(redis, {
    name: 'rotateSession',
    lua: ROTATE,
    keys: (input: { userId: string; fieldId: string; generation: number; now: number }) => userKeys(input.userId),
    args: (input) => [
      input.fieldId,
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
    keys: (input: { userId: string; fieldId: string }) => userKeys(input.userId),
    args: (input) => [input.fieldId],
    parse: (reply) => Number(reply) === 1,
  });
  const revokeAllScript = defineScript(redis, {
    name: 'revokeAllSessions',
    lua: REVOKE_ALL,
    keys: (input: { userId: string; except: string }) => userKeys(input.userId),
    args: (input) => [options.fenceSeconds * 1000, input.except],
    parse: (reply) => (reply as string[]).map(sessionIdOf),
  });
  const markVerifiedScript = defineScript(redis, {
    name: 'markEmailVerified',
    lua: MARK_EMAIL_VERIFIED,
    keys: userKeys,
    args: () => [],
    parse: () => undefined,
  });
  const existsScript = defineScript(redis, {
    name: 'sessionExists',
    lua: SESSION_EXISTS,
    keys: (input: { userId: string; fieldId: string }) => userKeys(input.userId),
    args: (input) => [input.fieldId],
    parse: (reply) => Number(reply) === 1,
  });
  const listScript = defineScript(redis, {
    name: 'listSessions',
    lua: LIST_SESSIONS,
    keys: userKeys,
    args: () => [],
    parse: (reply) => reply as string[],
  });

  return {
    async create(input) {
      const fieldId = fieldIdOf(input.sessionId);
      if (!fieldId) throw new Error('a session id is a lower-case UUID');
      const now = options.clock();
      const reply = await createScript({ ...input, fieldId, now });
      if (reply[0] !== 'created') return { created: false };
      return { created: true, refreshExpiresIn: secondsUntil(Number(reply[1]), now) };
    },
    async rotate(token): Promise<RotationResult> {
      const fieldId = fieldIdOf(token.sessionId);
      if (!fieldId) return { outcome: 'invalid' };
      const now = options.clock();
      const reply = await rotateScript({ userId: token.userId, fieldId, generation: token.generation, now });
      switch (reply[0]) {
        case 'rotated': {
          const stored = storedSessionOf(token.userId, reply);
          return {
            outcome: 'rotated',
            generation: stored.generation,
            refreshExpiresIn: secondsUntil(stored.idleUntil, now),
            claims: stored.claims,
            amr: stored.amr,
          };
        }
        case 'limited':
          return { outcome: 'limited', retryAfterMs: Number(reply[1]) };
        case 'reused':
          return { outcome: 'reused', claims: storedSessionOf(token.userId, reply).claims };
        default:
          return { outcome: 'invalid' };
      }
    },
    async exists(userId, sessionId) {
      const fieldId = fieldIdOf(sessionId);
      return fieldId !== undefined && existsScript({ userId, fieldId });
    },
    async revoke(userId, sessionId) {
      const fieldId = fieldIdOf(sessionId);
      return fieldId !== undefined && revokeScript({ userId, fieldId });
    },
    async revokeAll(userId, except) {
      const keep = except === undefined ? '' : fieldIdOf(except);
      if (keep === undefined) throw new Error('a session id is a lower-case UUID');
      return revokeAllScript({ userId, except: keep });
    },
    list: async (userId) => listedSessions(await listScript(userId), options.clock()),
    markEmailVerified: (userId) => markVerifiedScript(userId),
  };
}
