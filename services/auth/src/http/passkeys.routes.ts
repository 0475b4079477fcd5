import { Router } from 'express';
import { rateLimitedError } from '@gatehouse/errors';
import { route, validate } from '@gatehouse/http';
import { requireAccessToken, userIdentityOf, type AccessTokenVerifier } from '@gatehouse/jwt';
import type { SessionStore } from '../domain/auth.ports';
import type { LoginResult } from '../domain/finish-login';
import type { PasskeyRemovalInput } from '../domain/manage-passkeys.use-case';
import type { CeremonyOptions, CredentialResponse, Passkey } from '../domain/passkey.ports';
import type { PasskeyRegistrationInput, Registrant } from '../domain/passkey-registration.use-case';
import type { RateLimiter } from '../store/rate-limiter.store';
import { emptyBody } from './auth.schemas';
import { allowedOrigin, limitByAddress, requireLiveSession, type AddressOf } from './guards';
import { loginVerifyBody, passkeyIdParams, registerVerifyBody } from './passkeys.schemas';
import { userAgentOf } from './request-facts';
import { sendLoginResult, type CookiePolicy } from './session-cookies';

/** The use cases, already bound to their dependencies by the composition root. */
export interface PasskeyUseCases {
  registrationOptions(registrant: Registrant): Promise<CeremonyOptions>;
  register(input: PasskeyRegistrationInput): Promise<Passkey>;
  list(userId: string): Promise<Passkey[]>;
  remove(input: PasskeyRemovalInput): Promise<void>;
  loginOptions(): Promise<CeremonyOptions>;
  login(input: { response: CredentialResponse; userAgent: string | null }): Promise<LoginResult>;
}

export interface PasskeyRoutesOptions {
  readonly useCases: PasskeyUseCases;
  readonly cookies: CookiePolicy;
  readonly verifier: AccessTokenVerifier;
  readonly sessions: Pick<SessionStore, 'exists'>;
  readonly allowedOrigins: readonly string[];
  readonly addressOf: AddressOf;
  readonly limits: {
    /** Registration challenges per user: each is a Redis key until it expires. */
    readonly registrationOptions: RateLimiter;
    /** Sign-in challenges per client address, for the same reason. */
    readonly loginOptions: RateLimiter;
    /** Sign-in answers per client address, counted before verifying. */
    readonly login: RateLimiter;
  };
}

/** Challenges must not be served from a cache to someone else; they are single use anyway. */
const NO_STORE = 'no-store';

const described = (passkey: Passkey) => ({
  id: passkey.id,
  name: passkey.name,
  createdAt: passkey.createdAt.toISOString(),
  lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
});

/**
 * Registering, listing and removing passkeys (Bearer, live session), and signing in with one
 * (cookies, like login: allowed origins and limits per address, no CSRF token since there is no
 * session yet; the single-use challenge binds the request).
 */
export function passkeyRoutes(options: PasskeyRoutesOptions): Router {
  const router = Router();
  const { useCases, addressOf } = options;
  const origin = allowedOrigin(options.allowedOrigins);
  const signedIn = [origin, requireAccessToken(options.verifier), requireLiveSession(options.sessions)];
  const registrant = (res: Parameters<typeof userIdentityOf>[0]): Registrant => {
    const identity = userIdentityOf(res);
    return { userId: identity.sub, sessionId: identity.sid };
  };

  route(router, '/api/auth/passkeys/login/options', {
    POST: [
      origin,
      limitByAddress(options.limits.loginOptions, addressOf),
      async (req, res) => {
        validate(emptyBody, req.body);
        res.set('Cache-Control', NO_STORE).json(await useCases.loginOptions());
      },
    ],
  });

  route(router, '/api/auth/passkeys/login/verify', {
    POST: [
      origin,
      limitByAddress(options.limits.login, addressOf),
      async (req, res) => {
        const { response } = validate(loginVerifyBody, req.body);
        sendLoginResult(res, options.cookies, await useCases.login({ response, userAgent: userAgentOf(req) }));
      },
    ],
  });

  route(router, '/api/auth/passkeys/register/options', {
    POST: [
      ...signedIn,
      async (req, res) => {
        validate(emptyBody, req.body);
        const who = registrant(res);
        const decision = await options.limits.registrationOptions.hit(who.userId);
        if (!decision.allowed) throw rateLimitedError(decision.retryAfterMs);
        res.set('Cache-Control', NO_STORE).json(await useCases.registrationOptions(who));
      },
    ],
  });

  route(router, '/api/auth/passkeys/register/verify', {
    POST: [
      ...signedIn,
      async (req, res) => {
        const { response, name } = validate(registerVerifyBody, req.body);
        const passkey = await useCases.register({ ...registrant(res), response, name, userAgent: userAgentOf(req) });
        res.status(201).json({ id: passkey.id, name: passkey.name, createdAt: passkey.createdAt.toISOString() });
      },
    ],
  });

  route(router, '/api/auth/passkeys', {
    GET: [
      ...signedIn,
      async (_req, res) => {
        const passkeys = await useCases.list(userIdentityOf(res).sub);
        res.set('Cache-Control', NO_STORE).json({ passkeys: passkeys.map(described) });
      },
    ],
  });

  route(router, '/api/auth/passkeys/:id', {
    DELETE: [
      ...signedIn,
      async (req, res) => {
        const { id } = validate(passkeyIdParams, req.params);
        validate(emptyBody, req.body);
        await useCases.remove({ ...registrant(res), passkeyId: id, userAgent: userAgentOf(req) });
        res.status(204).end();
      },
    ],
  });

  return router;
}
