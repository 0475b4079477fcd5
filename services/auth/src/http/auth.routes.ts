import { Router, type Request, type RequestHandler } from 'express';
import { route, validate } from '@gatehouse/http';
import type { Credential } from '../domain/auth.ports';
import type { IssuedSession } from '../domain/session';
import type { RateLimiter } from '../store/rate-limiter.store';
import { emptyBody, loginBody, registerBody } from './auth.schemas';
import { allowedOrigin, csrfProtected, limitByAddress } from './guards';
import { clearSessionCookies, cookieNames, sendSession, type CookiePolicy } from './session-cookies';

/** The use cases, already bound to their dependencies by the composition root. */
export interface AuthUseCases {
  register(input: { email: string; password: string; name?: string }): Promise<Credential>;
  login(input: { email: string; password: string; ip: string }): Promise<IssuedSession>;
  /** Counts `clientAddress` against the refresh limit in the same Redis call as the rotation. */
  refresh(presented: string | undefined, clientAddress: string): Promise<IssuedSession>;
  logout(presented: string | undefined): Promise<string | undefined>;
}

export interface AuthRoutesOptions {
  readonly useCases: AuthUseCases;
  readonly cookies: CookiePolicy;
  readonly allowedOrigins: readonly string[];
  readonly limits: { readonly login: RateLimiter; readonly register: RateLimiter };
}

export function authRoutes(options: AuthRoutesOptions): Router {
  const router = Router();
  const { useCases, cookies } = options;
  const names = cookieNames(cookies.secure);
  const origin = allowedOrigin(options.allowedOrigins);
  const csrf = csrfProtected(names.csrf);
  const refreshCookie = (req: Request): string | undefined => {
    const value: unknown = req.cookies?.[names.refresh];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  // Logging out without a session changes nothing, so it needs no CSRF proof and stays idempotent
  // for a client whose cookies are already gone.
  const csrfWhenSession: RequestHandler = (req, res, next) => (refreshCookie(req) ? csrf(req, res, next) : next());

  route(router, '/api/auth/register', {
    POST: [
      origin,
      limitByAddress(options.limits.register),
      async (req, res) => {
        const credential = await useCases.register(validate(registerBody, req.body));
        res.status(201).json({
          id: credential.id,
          email: credential.email,
          name: credential.name,
          emailVerified: credential.emailVerified,
          createdAt: credential.createdAt.toISOString(),
        });
      },
    ],
  });

  route(router, '/api/auth/login', {
    POST: [
      origin,
      limitByAddress(options.limits.login),
      async (req, res) => {
        const body = validate(loginBody, req.body);
        sendSession(res, cookies, await useCases.login({ ...body, ip: req.ip ?? 'unknown' }));
      },
    ],
  });

  route(router, '/api/auth/refresh', {
    POST: [
      origin,
      csrf,
      async (req, res) => {
        validate(emptyBody, req.body);
        try {
          sendSession(res, cookies, await useCases.refresh(refreshCookie(req), req.ip ?? 'unknown'));
        } catch (error) {
          // A dead refresh cookie is useless to the browser: tell it to drop it.
          clearSessionCookies(res, cookies);
          throw error;
        }
      },
    ],
  });

  route(router, '/api/auth/logout', {
    POST: [
      origin,
      csrfWhenSession,
      async (req, res) => {
        validate(emptyBody, req.body);
        await useCases.logout(refreshCookie(req));
        clearSessionCookies(res, cookies);
        res.status(204).end();
      },
    ],
  });

  return router;
}
