import { AppError } from '@gatehouse/errors';
import type { Logger } from '@gatehouse/logger';
import type { AccessTokenSigner, RefreshTokenStore, SecretGenerator } from './auth.ports';
import type { IssuedSession } from './session';

export interface RefreshDeps {
  readonly refreshTokens: Pick<RefreshTokenStore, 'rotate'>;
  readonly signer: AccessTokenSigner;
  readonly secrets: SecretGenerator;
  readonly logger: Logger;
  /** Told when reuse revoked a session, e.g. to count it and to notify gateways. */
  readonly onReuse?: (event: { userId: string; sessionId: string }) => Promise<void> | void;
}

/** Shape of a token we issued: 32 random bytes, base64url. Anything else never reaches Redis. */
const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Rotates a refresh token: the presented one is retired and a new one issued in the same
 * session. Presenting a retired token (outside the grace window) is treated as theft: the whole
 * session is revoked, so the thief's and the victim's newest tokens both stop working.
 */
export async function refresh(deps: RefreshDeps, presented: string | undefined, clientAddress: string): Promise<IssuedSession> {
  if (!presented || !REFRESH_TOKEN_SHAPE.test(presented)) {
    throw new AppError('refresh_token_invalid', 'The refresh token is missing, invalid or expired.');
  }
  const next = deps.secrets.token();
  const result = await deps.refreshTokens.rotate(deps.secrets.digest(presented), deps.secrets.digest(next), clientAddress);
  if (result.outcome === 'limited') {
    throw new AppError('rate_limited', 'Too many requests. Try again later.', {
      details: { retryAfterSeconds: Math.max(1, Math.ceil(result.retryAfterMs / 1000)) },
    });
  }
  if (result.outcome === 'invalid') {
    throw new AppError('refresh_token_invalid', 'The refresh token is missing, invalid or expired.');
  }
  if (result.outcome === 'reused') {
    deps.logger.warn({ event: 'refresh_token_reused', userId: result.userId, sessionId: result.sessionId }, 'refresh token reuse: session revoked');
    await deps.onReuse?.({ userId: result.userId, sessionId: result.sessionId });
    throw new AppError('refresh_token_reused', 'The refresh token was already used; the session has been revoked.');
  }
  const access = deps.signer.sign(result.claims, result.sessionId);
  return {
    accessToken: access.token,
    expiresIn: access.expiresIn,
    refreshToken: next,
    csrfToken: deps.secrets.token(),
    claims: result.claims,
  };
}
