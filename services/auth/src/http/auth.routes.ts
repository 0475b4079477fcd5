import { Router, type RequestHandler } from 'express';
import { isAppError } from '@gatehouse/errors';
import { route, validate } from '@gatehouse/http';
import type { SessionTokens } from '../domain/auth.ports';
import type { RegisterResult } from '../domain/register.use-case';
import type { LoginResult } from '../domain/finish-login';
import type { IssuedSession } from '../domain/session';
import type { RateLimiter } from '../store/rate-limiter.store';
import { emptyBody, loginBody, registerBody } from './auth.schemas';
import { allowedOrigin, limitByAddress, type AddressOf } from './guards';
import { sessionCookieAccess } from './refresh-cookie';
import { userAgentOf } from './request-facts';
import { clearSessionCookies, sendLoginResult, sendSession, type CookiePolicy } from './session-cookies';

/** The use cases, already bound to their dependencies by the composition root. */
export interface AuthUseCases {
  register(input: { email: string; password: string; name?: string; userAgent: string | null }): Promise<RegisterResult>;
  login(input: { email: string; password: string; address: string; userAgent: string | null }): Promise<LoginResult>;
  refresh(presented: string | undefined, address: string, userAgent: string | null): Promise<IssuedSession>;
  logout(presented: string | undefined): Promise<void>;
}

export interface AuthRoutesOptions {
  readonly useCases: AuthUseCases;
  readonly cookies: CookiePolicy;
  readonly tokens: Pick<SessionTokens, 'readRefreshToken' | 'csrfMatches'>;
  readonly allowedOrigins: readonly string[];
  readonly addressOf: AddressOf;
  readonly limits: { readonly login: RateLimiter; readonly register: RateLimiter };
}

/**
 * The cookie endpoints take no body. `{}` (or none) is what clients send on every refresh, so it
 * is let through without a schema run; anything else gets the schema's own 400.
 */
function expectEmptyBody(body: unknown): void {
  const empty =
    body === undefined || (typeof body === 'object' && body !== null && Object.getPrototypeOf(body) === Object.prototype && Object.keys(body).length === 0);
  if (!empty) validate(emptyBody, body);
}

/** The answers that say the refresh cookie itself is dead; only these clear it. */
const DEFINITIVE_REFRESH_FAILURES = new Set(['refresh_token_invalid', 'refresh_token_reused']);

export function authRoutes(options: AuthRoutesOptions): Router {
  const router = Router();
  const { useCases, cookies, addressOf } = options;
  const origin = allowedOrigin(options.allowedOrigins);
  const { refreshToken: refreshCookie, csrf } = sessionCookieAccess(cookies, options.tokens);
  // Logging out without a session changes nothing, so it needs no CSRF proof and stays idempotent
  // for a client whose cookies are already gone.
  const csrfWhenSession: RequestHandler = (req, res, next) => (refreshCookie(req) ? csrf(req, res, next) : next());

  route(router, '/api/auth/register', {
    POST: [
      origin,
      limitByAddress(options.limits.register, addressOf),
      async (req, res) => {
        const result = await useCases.register({ ...validate(registerBody, req.body), userAgent: userAgentOf(req) });
        if (result.outcome === 'concealed') {
          // The same answer whether or not the address had an account; its owner gets an email.
          res.status(202).json({ status: 'pending_verification' });
          return;
        }
        const { credential } = result;
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
      limitByAddress(options.limits.login, addressOf),
      async (req, res) => {
        const body = validate(loginBody, req.body);
        sendLoginResult(res, cookies, await useCases.login({ ...body, address: addressOf(req), userAgent: userAgentOf(req) }));
      },
    ],
  });

  route(router, '/api/auth/refresh', {
    POST: [
      origin,
      csrf,
      async (req, res) => {
        expectEmptyBody(req.body);
        try {
          sendSession(res, cookies, await useCases.refresh(refreshCookie(req), addressOf(req), userAgentOf(req)));
        } catch (error) {
          // Only a definitive answer about the token drops it: after a 429 or an outage the same
          // cookie works again, and clearing it would sign the user out for our trouble.
          if (isAppError(error) && DEFINITIVE_REFRESH_FAILURES.has(error.code)) clearSessionCookies(res, cookies);
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
        expectEmptyBody(req.body);
        await useCases.logout(refreshCookie(req));
        clearSessionCookies(res, cookies);
        res.status(204).end();
      },
    ],
  });

  return router;
}
