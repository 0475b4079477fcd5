import express, { Router, type RequestHandler } from 'express';
import { route } from '@gatehouse/http';
import type { Logger } from '@gatehouse/logger';
import type { ClientTokenRequest, ClientTokenResult } from '../domain/issue-client-token.use-case';
import type { RateLimiter } from '../store/rate-limiter.store';
import { limitByAddress, type AddressOf } from './guards';
import { OAuthError, oauthErrors } from './oauth-errors';
import { readTokenRequest } from './token-request';

/** The token endpoint (RFC 6749 §3.2); createHttpApp lets its form bodies past the JSON guard. */
export const TOKEN_PATH = '/api/auth/token';

const FORM = 'application/x-www-form-urlencoded';
/** An id, a secret and the scopes fit many times over; nothing legitimate is bigger. */
const BODY_LIMIT_BYTES = 4 * 1024;

export interface TokenRoutesOptions {
  readonly issueToken: (request: ClientTokenRequest) => Promise<ClientTokenResult>;
  readonly addressOf: AddressOf;
  /** Counted first, before the body is read or the database asked. */
  readonly perAddress: RateLimiter;
  readonly logger: Logger;
}

/** RFC 6749 §5.1: no answer of the token endpoint may be cached, errors included. */
const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};

const formOnly: RequestHandler = (req, _res, next) => {
  if (!req.is(FORM)) throw new OAuthError('invalid_request', `Send the parameters as ${FORM}.`);
  next();
};

/** POST /api/auth/token: the client credentials grant (RFC 6749 §4.4), answered in OAuth's own format. */
export function tokenRoutes(options: TokenRoutesOptions): Router {
  const router = Router();
  router.use(TOKEN_PATH, noStore);
  route(router, TOKEN_PATH, {
    POST: [
      limitByAddress(options.perAddress, options.addressOf),
      formOnly,
      express.text({ type: FORM, limit: BODY_LIMIT_BYTES }),
      async (req, res) => {
        const request = readTokenRequest(typeof req.body === 'string' ? req.body : '', req.headers.authorization);
        const result = await options.issueToken(request);
        if (result.outcome === 'invalid_client') throw new OAuthError('invalid_client', 'Client authentication failed.');
        if (result.outcome === 'invalid_scope') throw new OAuthError('invalid_scope', 'A requested scope is not granted to this client.');
        res.json({ access_token: result.token.token, token_type: 'Bearer', expires_in: result.token.expiresIn, scope: result.scopes.join(' ') });
      },
    ],
  });
  router.use(TOKEN_PATH, oauthErrors(options.logger));
  return router;
}
