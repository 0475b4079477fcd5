import type { Clock, SecretGenerator } from './auth.ports';

/**
 * The shape of the tokens we email (verification, password reset): 256 random bits, base64url.
 * Anything else is refused before it reaches the database or a page.
 */
export const SINGLE_USE_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface SingleUseToken {
  /** Goes into the email only. */
  readonly token: string;
  /** What is stored instead of the token. */
  readonly digest: string;
  readonly expiresAt: Date;
}

/** A fresh emailed token that works until `ttlSeconds` from now. */
export function newSingleUseToken(deps: { secrets: Pick<SecretGenerator, 'token' | 'digest'>; clock: Clock }, ttlSeconds: number): SingleUseToken {
  const token = deps.secrets.token();
  return { token, digest: deps.secrets.digest(token), expiresAt: new Date(deps.clock() + ttlSeconds * 1000) };
}
