import type { RequestHandler, Response } from 'express';
import { AppError, isAppError } from '@gatehouse/errors';
import type { AccessTokenClaims } from './access-token-claims';
import { isKeysUnavailable } from './jwks-key-source';
import type { AccessTokenVerifier } from './jwks-verifier';

const BEARER = /^Bearer +([^\s]+) *$/i;
const CHALLENGE = 'Bearer';
const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

export interface RequireAccessTokenOptions {
  /** Lets a service refuse tokens it knows were revoked (e.g. by session id) before they expire. */
  isRevoked?: (claims: AccessTokenClaims) => boolean;
}

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
    let claims: AccessTokenClaims;
    try {
      claims = await verifier.verify(match[1]!);
    } catch (error) {
      // 503 with Retry-After, not 401: a client that trusts a 401 signs out a user whose token is fine.
      if (isKeysUnavailable(error)) throw error;
      throw invalid(isAppError(error) ? error.message : 'The access token is invalid.', error);
    }
    if (options.isRevoked?.(claims)) throw invalid('The access token has been revoked.');
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

/** The verified claims of this request; a wiring bug (no `requireAccessToken`) if absent. */
export function identityOf(res: Response): AccessTokenClaims {
  const identity = res.locals.identity as AccessTokenClaims | undefined;
  if (!identity) throw new AppError('internal', 'No verified identity on this request.', { operational: false });
  return identity;
}
