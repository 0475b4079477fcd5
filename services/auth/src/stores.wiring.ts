import type { Pool } from 'pg';
import { createProcessedEvents } from '@gatehouse/events';
import type { AuthConfig } from './config';
import type { Clock, CredentialStore, LoginThrottle, SessionStore, Transactions } from './domain/auth.ports';
import { loginLockoutPolicy } from './domain/login-lockout.policy';
import { createCredentialStore } from './store/credential.store';
import { createSessionStore } from './store/session.store';
import { createLoginThrottle } from './store/login-throttle.store';
import { createTransactions } from './store/auth-transactions.store';
import type { RedisClient } from './store/redis-client';
import { userDeletedQueue } from './events.wiring';

/** Longer than any login takes from reading the credential to opening the session. */
const FENCE_SECONDS = 600;

export interface AuthStores {
  readonly credentials: CredentialStore;
  readonly sessions: SessionStore;
  /** The password login's lockout (counters in Redis, the policy from the domain). */
  readonly throttle: LoginThrottle;
  readonly transactions: Transactions;
}

/** The service's PostgreSQL and Redis stores, configured. */
export function createStores(config: Readonly<AuthConfig>, deps: { readonly pool: Pool; readonly redis: RedisClient; readonly clock: Clock }): AuthStores {
  const { pool, redis, clock } = deps;
  return {
    credentials: createCredentialStore(pool),
    sessions: createSessionStore(redis, {
      idleSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
      maxAgeSeconds: config.SESSION_MAX_AGE_SECONDS,
      reuseGraceMs: config.REFRESH_REUSE_GRACE_SECONDS * 1000,
      refreshLimit: { limit: config.REFRESH_SESSION_LIMIT, windowSeconds: config.REFRESH_SESSION_WINDOW_SECONDS },
      maxSessionsPerUser: config.SESSIONS_PER_USER_LIMIT,
      fenceSeconds: FENCE_SECONDS,
      clock,
    }),
    throttle: createLoginThrottle(
      redis,
      loginLockoutPolicy({
        freeAttempts: config.LOGIN_FREE_ATTEMPTS,
        maxDelayMs: config.LOGIN_BACKOFF_MAX_SECONDS * 1000,
        accountFailureLimit: config.LOGIN_ACCOUNT_FAILURE_LIMIT,
        accountWindowSeconds: config.LOGIN_ACCOUNT_WINDOW_SECONDS,
      }),
      clock,
    ),
    // The consumer's processed-event log commits with the deletion it applies.
    transactions: createTransactions(pool, createProcessedEvents(pool, userDeletedQueue(config))),
  };
}
