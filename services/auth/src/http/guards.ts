import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError, rateLimitedError } from '@gatehouse/errors';
import { userIdentityOf } from '@gatehouse/jwt';
import type { SessionStore, SessionTokens } from '../domain/auth.ports';
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

export interface CsrfOptions {
  readonly cookieName: string;
  /** The session the request's refresh cookie belongs to, when the cookie is one we issued. */
  readonly sessionOf: (req: Request) => string | undefined;
  readonly tokens: Pick<SessionTokens, 'csrfMatches'>;
}

/**
 * Double submit, bound to the session: the `X-CSRF-Token` header must equal the CSRF cookie, and
 * the value must be one we minted for the session of the refresh cookie. A value planted by a
 * sibling subdomain (cookie tossing) passes the first check but never the second. Without a
 * session cookie of ours there is nothing to protect; the use case answers for the cookie.
 */
export function csrfProtected(options: CsrfOptions): RequestHandler {
  return (req, _res, next) => {
    const cookie: unknown = req.cookies?.[options.cookieName];
    const header = req.headers['x-csrf-token'];
    const sessionId = options.sessionOf(req);
    if (
      typeof cookie !== 'string' ||
      cookie.length === 0 ||
      typeof header !== 'string' ||
      !sameSecret(cookie, header) ||
      (sessionId !== undefined && !options.tokens.csrfMatches(sessionId, header))
    ) {
      next(new AppError('csrf_failed', 'The CSRF token is missing or does not match.'));
      return;
    }
    next();
  };
}

/** How limits name the client: the address `trust proxy` settled on, IPv6 grouped by prefix. */
export type AddressOf = (req: Request) => string;

/** Per-client-address limit, counted before the handler does any work. */
export function limitByAddress(limiter: RateLimiter, addressOf: AddressOf): RequestHandler {
  return async (req, _res, next) => {
    const decision = await limiter.hit(addressOf(req));
    if (!decision.allowed) throw rateLimitedError(decision.retryAfterMs);
    next();
  };
}

const ENDED_SESSION = 'Bearer error="invalid_token"';

/**
 * A valid signature is not enough for the routes that manage accounts and clients: a session
 * that ended (logout, reuse, password change) must not act with the access token it still holds.
 */
export async function assertLiveSession(sessions: Pick<SessionStore, 'exists'>, userId: string, sessionId: string): Promise<void> {
  if (!(await sessions.exists(userId, sessionId))) {
    throw new AppError('token_invalid', 'The session has ended.', { details: { wwwAuthenticate: ENDED_SESSION } });
  }
}

/** {@link assertLiveSession} for the user of the verified Bearer token; mount after `requireAccessToken`. */
export function requireLiveSession(sessions: Pick<SessionStore, 'exists'>): RequestHandler {
  return async (_req, res, next) => {
    const identity = userIdentityOf(res);
    await assertLiveSession(sessions, identity.sub, identity.sid);
    next();
  };
}
