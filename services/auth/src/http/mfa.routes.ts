import { Router } from 'express';
import { route, validate } from '@gatehouse/http';
import { requireAccessToken, userIdentityOf, type AccessTokenVerifier } from '@gatehouse/jwt';
import type { SessionStore } from '../domain/auth.ports';
import type { TotpProvisioning } from '../domain/mfa.ports';
import type { SecondFactorProof } from '../domain/one-time-code';
import type { IssuedSession } from '../domain/session';
import type { TotpRemovalInput } from '../domain/totp-removal.use-case';
import type { RateLimiter } from '../store/rate-limiter.store';
import { emptyBody } from './auth.schemas';
import { allowedOrigin, limitByAddress, requireLiveSession, type AddressOf } from './guards';
import { confirmTotpBody, mfaLoginBody, removeTotpBody } from './mfa.schemas';
import { userAgentOf } from './request-facts';
import { sendSession, type CookiePolicy } from './session-cookies';

/** The use cases, already bound to their dependencies by the composition root. */
export interface MfaUseCases {
  setupTotp(userId: string): Promise<TotpProvisioning>;
  confirmTotp(input: { userId: string; code: string; userAgent: string | null }): Promise<string[]>;
  removeTotp(input: TotpRemovalInput): Promise<void>;
  completeLogin(input: { mfaToken: string; proof: SecondFactorProof; userAgent: string | null }): Promise<IssuedSession>;
}

export interface MfaRoutesOptions {
  readonly useCases: MfaUseCases;
  readonly cookies: CookiePolicy;
  /** The service verifies Bearer tokens itself and checks the session is live. */
  readonly verifier: AccessTokenVerifier;
  readonly sessions: Pick<SessionStore, 'exists'>;
  readonly allowedOrigins: readonly string[];
  readonly addressOf: AddressOf;
  /** Second steps per client address, like the first. */
  readonly limits: { readonly login: RateLimiter };
}

/** Answers that hold a secret shown once (the TOTP secret, recovery codes): never stored by a cache. */
const NO_STORE = 'no-store';

/** Setting up and removing an authenticator app (Bearer), and the second step of a login (cookies, like login). */
export function mfaRoutes(options: MfaRoutesOptions): Router {
  const router = Router();
  const { useCases } = options;
  const origin = allowedOrigin(options.allowedOrigins);
  const signedIn = [origin, requireAccessToken(options.verifier), requireLiveSession(options.sessions)];

  route(router, '/api/auth/mfa/totp/setup', {
    POST: [
      ...signedIn,
      async (req, res) => {
        validate(emptyBody, req.body);
        const provisioning = await useCases.setupTotp(userIdentityOf(res).sub);
        res.set('Cache-Control', NO_STORE).json({ secret: provisioning.secret, otpauthUrl: provisioning.otpauthUrl });
      },
    ],
  });

  route(router, '/api/auth/mfa/totp/confirm', {
    POST: [
      ...signedIn,
      async (req, res) => {
        const { code } = validate(confirmTotpBody, req.body);
        const recoveryCodes = await useCases.confirmTotp({ userId: userIdentityOf(res).sub, code, userAgent: userAgentOf(req) });
        res.set('Cache-Control', NO_STORE).json({ recoveryCodes });
      },
    ],
  });

  route(router, '/api/auth/mfa/totp', {
    DELETE: [
      ...signedIn,
      async (req, res) => {
        const body = validate(removeTotpBody, req.body);
        const identity = userIdentityOf(res);
        const proof = body.code !== undefined ? { code: body.code } : { password: body.password! };
        await useCases.removeTotp({ userId: identity.sub, sessionId: identity.sid, proof, address: options.addressOf(req), userAgent: userAgentOf(req) });
        res.status(204).end();
      },
    ],
  });

  // Sets the session cookies like login, so it guards like login: allowed origins and a limit
  // per address. No CSRF token: there is no session yet, and the mfaToken binds the request.
  route(router, '/api/auth/login/mfa', {
    POST: [
      origin,
      limitByAddress(options.limits.login, options.addressOf),
      async (req, res) => {
        const body = validate(mfaLoginBody, req.body);
        const proof: SecondFactorProof = body.code !== undefined ? { method: 'totp', code: body.code } : { method: 'recovery_code', code: body.recoveryCode! };
        sendSession(res, options.cookies, await useCases.completeLogin({ mfaToken: body.mfaToken, proof, userAgent: userAgentOf(req) }));
      },
    ],
  });

  return router;
}
