import { createStaticKeyVerifier, type AccessTokenVerifier } from '@gatehouse/jwt';
import type { AuthConfig } from './config';
import type { AccessTokenSigner, Clock, SessionTokens } from './domain/auth.ports';
import { createAccessTokenSigner } from './crypto/access-token.signer';
import type { KeyRing } from './crypto/key-ring';
import { createSessionTokens } from './crypto/session-tokens';

export interface AuthTokens {
  /** Refresh and CSRF tokens. */
  readonly tokens: SessionTokens;
  readonly signer: AccessTokenSigner;
  /** Checks access tokens against the service's own published keys (admin and account routes). */
  readonly verifier: AccessTokenVerifier;
}

/** Signing and checking the service's tokens with its key ring and session secret. */
export function createTokens(
  config: Readonly<AuthConfig>,
  deps: { readonly keys: KeyRing; readonly sessionSecret: string; readonly clock: Clock },
): AuthTokens {
  const { keys, clock } = deps;
  return {
    tokens: createSessionTokens(deps.sessionSecret),
    signer: createAccessTokenSigner({
      key: (now) => keys.signingKey(now),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      clock,
    }),
    verifier: createStaticKeyVerifier({ jwks: () => keys.jwks(clock()), issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, now: clock }),
  };
}
