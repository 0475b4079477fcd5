import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '@gatehouse/errors';
import type { RateLimiter } from '../store/rate-limiter.store';

/**
 * Browsers always send `Origin` on cross-site POSTs; a request from a page not on the allow-list
 * is refused before anything else happens. Non-browser clients (no Origin) cannot be tricked
 * into sending cookies, so they pass.
 */
export function allowedOrigin(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, _res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined && !allowed.has(origin)) {
      next(new AppError('origin_not_allowed', 'Requests from this origin are not allowed.'));
      return;
    }
    next();
  };
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Double-submit check: the `X-CSRF-Token` header must equal the CSRF cookie. */
export function csrfProtected(cookieName: string): RequestHandler {
  return (req, _res, next) => {
    const cookie: unknown = req.cookies?.[cookieName];
    const header = req.headers['x-csrf-token'];
    if (typeof cookie !== 'string' || cookie.length === 0 || typeof header !== 'string' || !sameSecret(cookie, header)) {
      next(new AppError('csrf_failed', 'The CSRF token is missing or does not match.'));
      return;
    }
    next();
  };
}

/** Per-client-address limit; the address comes from `trust proxy`, so clients cannot pick it. */
export function limitByAddress(limiter: RateLimiter): RequestHandler {
  return async (req, _res, next) => {
    const decision = await limiter.hit(req.ip ?? 'unknown');
    if (!decision.allowed) {
      throw new AppError('rate_limited', 'Too many requests. Try again later.', {
        details: { retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)) },
      });
    }
    next();
  };
}
