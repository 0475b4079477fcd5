import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { AppError } from '@gatehouse/errors';
import type { Clock } from '../domain/auth.ports';
import type { LoginThrottle } from '../domain/login.use-case';
import { retryAfterMs, type BackoffPolicy } from '../domain/login-backoff';

export interface LoginThrottleOptions {
  readonly backoff: BackoffPolicy;
  /** Failures on one account from all addresses, per window, before untrusted addresses wait. */
  readonly accountFailureLimit: number;
  readonly accountWindowSeconds: number;
  readonly clock: Clock;
}

const DAY_SECONDS = 86_400;
const TRUSTED_ADDRESS_SECONDS = 30 * DAY_SECONDS;

/** Emails are personal data: Redis keys carry a digest instead. */
function accountKey(email: string): string {
  return createHash('sha256').update(email).digest('base64url').slice(0, 32);
}

function tooManyAttempts(waitMs: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError('rate_limited', 'Too many failed login attempts. Try again later.', { details: { retryAfterSeconds } });
}

/**
 * Two layers, both in Redis so they hold across replicas:
 * - per account and address: a few free failures, then a doubling delay with a cap. A guesser
 *   slows down; the real user on their own address is unaffected.
 * - per account, all addresses: a failure budget per window against distributed guessing. It
 *   does not apply to addresses this account logged in from successfully, so an attacker can
 *   never lock the real user out of their usual device, and others wait at most one window.
 */
export function createLoginThrottle(redis: Redis, options: LoginThrottleOptions): LoginThrottle {
  const keys = (email: string, ip: string) => {
    const account = accountKey(email);
    return { pair: `lf:${account}:${ip}`, account: `la:${account}`, trusted: `lt:${account}` };
  };
  return {
    async assertAllowed(email, ip) {
      const k = keys(email, ip);
      const [pair, accountFailures, trusted, accountTtl] = (await redis
        .pipeline()
        .hmget(k.pair, 'n', 'last')
        .get(k.account)
        .sismember(k.trusted, ip)
        .pttl(k.account)
        .exec())!.map(([error, value]) => {
        if (error) throw error;
        return value;
      }) as [[string | null, string | null], string | null, number, number];
      const wait = retryAfterMs(Number(pair[0] ?? 0), Number(pair[1] ?? 0), options.clock(), options.backoff);
      if (wait > 0) throw tooManyAttempts(wait);
      if (Number(accountFailures ?? 0) >= options.accountFailureLimit && trusted !== 1) {
        throw tooManyAttempts(accountTtl > 0 ? accountTtl : options.accountWindowSeconds * 1000);
      }
    },
    async recordFailure(email, ip) {
      const k = keys(email, ip);
      await redis
        .multi()
        .hincrby(k.pair, 'n', 1)
        .hset(k.pair, 'last', options.clock())
        .expire(k.pair, DAY_SECONDS)
        .set(k.account, 0, 'EX', options.accountWindowSeconds, 'NX')
        .incr(k.account)
        .exec();
    },
    async recordSuccess(email, ip) {
      const k = keys(email, ip);
      await redis.multi().del(k.pair).sadd(k.trusted, ip).expire(k.trusted, TRUSTED_ADDRESS_SECONDS).exec();
    },
  };
}
