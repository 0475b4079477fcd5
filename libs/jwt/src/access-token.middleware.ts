import type { RequestHandler, Response } from 'express';
import { AppError, isAppError } from '@gatehouse/errors';
import { isScopeToken, type AccessTokenClaims, type UserAccessClaims } from './access-token-claims';
import { isKeysUnavailable } from './jwks-key-source';
import type { AccessTokenVerifier } from './jwks-verifier';

const BEARER = /^Bearer +([^\s]+) *$/i;
const CHALLENGE = 'Bearer';
const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

export interface RequireAccessTokenOptions {
  /** Lets a service refuse tokens it knows were revoked (e.g. by session id) before they expire. */
  isRevoked?: (claims: AccessTokenClaims) => boolean;
  /**
   * Lets service tokens (client credentials) through as well as users' tokens. Off by default:
   * a route opts in, and then checks scopes with `requireScope` and roles with `requireRole`.
   */
  acceptServiceTokens?: boolean;
}

const USER_TOKEN_REQUIRED = 'This operation needs a signed-in user; service tokens are not accepted here.';

function invalid(message: string, cause?: unknown): AppError {
  return new AppError('token_invalid', message, { details: { wwwAuthenticate: INVALID_TOKEN_CHALLENGE }, cause });
}

/**
 * Requires `Authorization: Bearer <access token>` (never a query parameter or cookie, which leak
 * into logs and CSRF) and stores the verified claims in `res.locals.identity`.
 */
export function requireAccessToken(verifier: AccessTokenVerifier, options: RequireAccessTokenOptions = {}): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (header === undefined || !/^bearer(\s|$)/i.test(header)) {
      throw new AppError('token_missing', 'An access token is required.', { details: { wwwAuthenticate: CHALLENGE } });
    }
    const match = BEARER.exec(header);
    if (!match) throw invalid('The access token is invalid.');
    // A cache hit decides in this turn: no await, so `next` runs before this handler returns.
    let claims = verifier.verifyCached?.(match[1]!);
    if (claims === undefined) {
      try {
        claims = await verifier.verify(match[1]!);
      } catch (error) {
        // 503 with Retry-After, not 401: a client that trusts a 401 signs out a user whose token is fine.
        if (isKeysUnavailable(error)) throw error;
        throw invalid(isAppError(error) ? error.message : 'The access token is invalid.', error);
      }
    }
    if (options.isRevoked?.(claims)) throw invalid('The access token has been revoked.');
    // A valid token that this route does not take: 403, so the client keeps it for other routes.
    if (claims.kind === 'service' && !options.acceptServiceTokens) throw new AppError('forbidden', USER_TOKEN_REQUIRED);
    res.locals.identity = claims;
    next();
  };
}

/** 403 unless the verified bearer holds `role`; mount after `requireAccessToken`. */
export function requireRole(role: string): RequestHandler {
  return (_req, res, next) => {
    const identity = res.locals.identity as AccessTokenClaims | undefined;
    if (!identity || !identity.roles.includes(role)) {
      throw new AppError('forbidden', 'You do not have permission to do this.');
    }
    next();
  };
}

/**
 * 403 for a service token that lacks `scope`. Users' tokens pass: what a user may do is
 * governed by roles; scopes narrow what a service's token may do. Mount after `requireAccessToken`.
 */
export function requireScope(scope: string): RequestHandler {
  // It is quoted into a response header: a space or quote would garble or forge the challenge.
  if (!isScopeToken(scope)) throw new Error(`"${scope}" is not a valid OAuth scope`);
  return (_req, res, next) => {
    const identity = identityOf(res);
    if (identity.kind === 'service' && !identity.scopes.includes(scope)) {
      throw new AppError('forbidden', `This operation needs the scope "${scope}".`, {
        details: { wwwAuthenticate: `Bearer error="insufficient_scope", scope="${scope}"` },
      });
    }
    next();
  };
}

/** The RFC 8176 methods that prove a second factor: a one-time code, a hardware- or software-bound key. */
export const SECOND_FACTOR_METHODS: readonly string[] = ['otp', 'hwk', 'swk'];

/**
 * 403 `mfa_required` unless the user signed in with at least one of `methods` (the token's
 * `amr`); `requireAmr(...SECOND_FACTOR_METHODS)` asks for any second factor. The client keeps
 * its token for other routes and signs in again with the factor to get one that passes.
 * Service tokens pass, as users pass `requireScope`: a service has no login to strengthen, and
 * reaches a route only where it opted in to them. Mount after `requireAccessToken`.
 */
export function requireAmr(...methods: string[]): RequestHandler {
  if (methods.length === 0) throw new Error('requireAmr needs at least one method');
  return (_req, res, next) => {
    const identity = identityOf(res);
    if (identity.kind === 'user' && !identity.amr.some((method) => methods.includes(method))) {
      throw new AppError('mfa_required', 'Sign in with a second factor to do this.');
    }
    next();
  };
}

/** The verified claims of this request; a wiring bug (no `requireAccessToken`) if absent. */
export function identityOf(res: Response): AccessTokenClaims {
  const identity = res.locals.identity as AccessTokenClaims | undefined;
  if (!identity) throw new AppError('internal', 'No verified identity on this request.', { operational: false });
  return identity;
}

/** The verified claims of a signed-in user; 403 for a service token. */
export function userIdentityOf(res: Response): UserAccessClaims {
  const identity = identityOf(res);
  if (identity.kind !== 'user') throw new AppError('forbidden', USER_TOKEN_REQUIRED);
  return identity;
}
