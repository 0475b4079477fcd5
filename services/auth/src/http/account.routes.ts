import { Router, type RequestHandler } from 'express';
import { AppError, rateLimitedError } from '@gatehouse/errors';
import { route, validate } from '@gatehouse/http';
import { userIdentityOf, requireAccessToken, type AccessTokenVerifier } from '@gatehouse/jwt';
import type { SecretGenerator, SessionInfo, SessionStore, SessionTokens } from '../domain/auth.ports';
import type { RateLimiter } from '../store/rate-limiter.store';
import { changePasswordBody, emptyBody, forgotPasswordBody, resetPasswordBody } from './auth.schemas';
import { allowedOrigin, assertLiveSession, limitByAddress, requireLiveSession, type AddressOf } from './guards';
import { pageOrigin } from './html-page';
import { sessionCookieAccess } from './refresh-cookie';
import { userAgentOf } from './request-facts';
import { clearSessionCookies, type CookiePolicy } from './session-cookies';

/** The use cases, already bound to their dependencies by the composition root. */
export interface AccountUseCases {
  listSessions(userId: string): Promise<SessionInfo[]>;
  endSession(userId: string, sessionId: string): Promise<void>;
  logoutAll(userId: string): Promise<void>;
  /** Runs after the answer is sent: the answer and its timing never depend on the account. */
  requestPasswordReset(email: string): void;
  resetPassword(input: { token: string; password: string; userAgent: string | null }): Promise<void>;
  changePassword(input: {
    userId: string;
    sessionId: string;
    currentPassword: string;
    newPassword: string;
    address: string;
    userAgent: string | null;
  }): Promise<void>;
}

export interface AccountRoutesOptions {
  readonly useCases: AccountUseCases;
  readonly cookies: CookiePolicy;
  readonly tokens: Pick<SessionTokens, 'readRefreshToken' | 'csrfMatches'>;
  /** The service verifies Bearer tokens itself (with its own keys) and checks the session is live. */
  readonly verifier: AccessTokenVerifier;
  readonly sessions: Pick<SessionStore, 'exists'>;
  readonly secrets: Pick<SecretGenerator, 'digest'>;
  readonly allowedOrigins: readonly string[];
  /** The public origin: the reset page it serves posts from there. */
  readonly appUrl: string;
  readonly addressOf: AddressOf;
  readonly limits: { readonly forgotPerAddress: RateLimiter; readonly forgotPerEmail: RateLimiter; readonly resetPerAddress: RateLimiter };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Runs a middleware as a step of another one: resolves when it calls `next()`, rejects when it
 * passes or throws an error, so every failure reaches the error handler (never an unhandled
 * rejection that would take the process down).
 */
function runMiddleware(middleware: RequestHandler, req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      Promise.resolve(middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve()))).catch(reject);
    } catch (error) {
      reject(error);
    }
  });
}

/** Password reset and change, the sessions list, ending one session and logging out everywhere. */
export function accountRoutes(options: AccountRoutesOptions): Router {
  const router = Router();
  const { useCases, addressOf } = options;
  const origin = allowedOrigin(options.allowedOrigins);
  const cookieAccess = sessionCookieAccess(options.cookies, options.tokens);
  const bearer = requireAccessToken(options.verifier);
  const liveSession = requireLiveSession(options.sessions);
  /** Bearer when an Authorization header is sent, else the refresh cookie with its CSRF proof. */
  const bearerOrCookie: RequestHandler = async (req, res, next) => {
    if (req.headers.authorization !== undefined) {
      await runMiddleware(bearer, req, res);
      const identity = userIdentityOf(res);
      await assertLiveSession(options.sessions, identity.sub, identity.sid);
      res.locals.account = { userId: identity.sub };
      return next();
    }
    const cookie = cookieAccess.refreshToken(req);
    if (cookie === undefined) throw new AppError('token_missing', 'Sign in first.', { details: { wwwAuthenticate: 'Bearer' } });
    await runMiddleware(cookieAccess.csrf, req, res);
    const token = options.tokens.readRefreshToken(cookie);
    if (!token || !(await options.sessions.exists(token.userId, token.sessionId))) {
      throw new AppError('token_missing', 'Sign in first.', { details: { wwwAuthenticate: 'Bearer' } });
    }
    res.locals.account = { userId: token.userId };
    next();
  };
  const accountOf = (res: Parameters<RequestHandler>[1]): string => (res.locals.account as { userId: string }).userId;

  route(router, '/api/auth/sessions', {
    GET: [
      bearer,
      liveSession,
      async (_req, res) => {
        const identity = userIdentityOf(res);
        const sessions = await useCases.listSessions(identity.sub);
        res.set('Cache-Control', 'no-store').json({
          sessions: sessions.map((s) => ({
            id: s.sessionId,
            createdAt: new Date(s.createdAt).toISOString(),
            lastUsedAt: new Date(s.lastUsedAt).toISOString(),
            userAgent: s.userAgent,
            current: s.sessionId === identity.sid,
          })),
        });
      },
    ],
  });

  route(router, '/api/auth/sessions/:id', {
    DELETE: [
      origin,
      bearer,
      liveSession,
      async (req, res) => {
        const id = String(req.params.id ?? '').toLowerCase();
        if (!UUID.test(id)) throw new AppError('session_not_found', 'You have no session with this id.');
        await useCases.endSession(userIdentityOf(res).sub, id);
        res.status(204).end();
      },
    ],
  });

  route(router, '/api/auth/logout-all', {
    POST: [
      origin,
      bearerOrCookie,
      async (req, res) => {
        validate(emptyBody, req.body);
        await useCases.logoutAll(accountOf(res));
        clearSessionCookies(res, options.cookies);
        res.status(204).end();
      },
    ],
  });

  route(router, '/api/auth/password/forgot', {
    POST: [
      origin,
      limitByAddress(options.limits.forgotPerAddress, addressOf),
      async (req, res) => {
        const { email } = validate(forgotPasswordBody, req.body);
        // Counted for every address, known or not, so the 429 tells nothing either.
        const perEmail = await options.limits.forgotPerEmail.hit(options.secrets.digest(email));
        if (!perEmail.allowed) throw rateLimitedError(perEmail.retryAfterMs);
        res.status(202).json({ status: 'accepted' });
        useCases.requestPasswordReset(email);
      },
    ],
  });

  route(router, '/api/auth/password/reset', {
    POST: [
      allowedOrigin([...options.allowedOrigins, pageOrigin(options.appUrl)]),
      limitByAddress(options.limits.resetPerAddress, addressOf),
      async (req, res) => {
        const body = validate(resetPasswordBody, req.body);
        await useCases.resetPassword({ ...body, userAgent: userAgentOf(req) });
        res.status(204).end();
      },
    ],
  });

  route(router, '/api/auth/password/change', {
    POST: [
      origin,
      bearer,
      liveSession,
      async (req, res) => {
        const body = validate(changePasswordBody, req.body);
        const identity = userIdentityOf(res);
        await useCases.changePassword({ ...body, userId: identity.sub, sessionId: identity.sid, address: addressOf(req), userAgent: userAgentOf(req) });
        res.status(204).end();
      },
    ],
  });

  return router;
}
