import type { AuthConfig } from './config';
import { createRateLimiter, type RateLimit, type RateLimiter } from './store/rate-limiter.store';
import type { RedisClient } from './store/redis-client';

/**
 * "Someone tried to register with your address" emails per address: one an hour warns the owner;
 * one per attempt would let anybody flood a mailbox through the registration form.
 */
const REGISTRATION_NOTICE_LIMIT: RateLimit = { limit: 1, windowSeconds: 3600 };

/** The service's fixed-window limits, each under its own name (its Redis key space). */
export interface RateLimiters {
  /** Login attempts per client address, before any password is checked. */
  readonly login: RateLimiter;
  readonly register: RateLimiter;
  /** Registration notices per email digest (see REGISTRATION_NOTICE_LIMIT). */
  readonly registrationNotices: RateLimiter;
  /** Refresh tokens that open nothing, per client address. */
  readonly refreshInvalid: RateLimiter;
  readonly forgotPerAddress: RateLimiter;
  readonly forgotPerEmail: RateLimiter;
  readonly resetPerAddress: RateLimiter;
  readonly verifyEmail: RateLimiter;
  readonly resendPerAddress: RateLimiter;
  readonly resendPerEmail: RateLimiter;
  /** Further limits a composition names itself (the client credentials grant). */
  define(name: string, limit: number, windowSeconds: number): RateLimiter;
}

export function createRateLimiters(config: Readonly<AuthConfig>, redis: RedisClient): RateLimiters {
  const define = (name: string, limit: number, windowSeconds: number) => createRateLimiter(redis, name, { limit, windowSeconds });
  return {
    login: define('login', config.LOGIN_IP_LIMIT, config.LOGIN_IP_WINDOW_SECONDS),
    register: define('register', config.REGISTER_IP_LIMIT, config.REGISTER_IP_WINDOW_SECONDS),
    registrationNotices: define('register-notice', REGISTRATION_NOTICE_LIMIT.limit, REGISTRATION_NOTICE_LIMIT.windowSeconds),
    refreshInvalid: define('refresh-invalid', config.REFRESH_INVALID_IP_LIMIT, config.REFRESH_INVALID_IP_WINDOW_SECONDS),
    forgotPerAddress: define('forgot', config.PASSWORD_FORGOT_LIMIT, config.PASSWORD_FORGOT_WINDOW_SECONDS),
    forgotPerEmail: define('forgot-email', config.PASSWORD_FORGOT_LIMIT, config.PASSWORD_FORGOT_WINDOW_SECONDS),
    // A reset token is guessed no more cheaply than a verification token: the same limit.
    resetPerAddress: define('reset', config.VERIFY_EMAIL_IP_LIMIT, config.VERIFY_EMAIL_IP_WINDOW_SECONDS),
    verifyEmail: define('verify-email', config.VERIFY_EMAIL_IP_LIMIT, config.VERIFY_EMAIL_IP_WINDOW_SECONDS),
    resendPerAddress: define('resend', config.RESEND_VERIFICATION_LIMIT, config.RESEND_VERIFICATION_WINDOW_SECONDS),
    resendPerEmail: define('resend-email', config.RESEND_VERIFICATION_LIMIT, config.RESEND_VERIFICATION_WINDOW_SECONDS),
    define,
  };
}
