import { claimsFromPayload, TokenRejection, type AccessTokenClaims } from './access-token-claims';
import { checkSignature, parseToken } from './compact-token';
import { keysFromJwks } from './jwks-keys';
import type { AccessTokenVerifier } from './jwks-verifier';

export interface StaticKeyVerifierOptions {
  /** A JWK Set held in memory, e.g. the issuer's own published keys. */
  readonly jwks: unknown;
  readonly issuer: string;
  readonly audience: string;
  /** Allowed clock skew for exp/nbf/iat; default 30, at most 60. */
  readonly clockToleranceSeconds?: number;
  /** Milliseconds since the epoch; tests move it. */
  readonly now?: () => number;
}

/**
 * Verifies access tokens against keys it already holds: for the issuer itself, which must not
 * fetch its own JWKS over the network. Same checks as the JWKS verifier, and never unavailable.
 */
export function createStaticKeyVerifier(options: StaticKeyVerifierOptions): AccessTokenVerifier {
  const keys = keysFromJwks(options.jwks);
  if (keys.size === 0) throw new Error('the JWK Set holds no usable verification key');
  const now = options.now ?? Date.now;
  const tolerance = Math.min(Math.max(options.clockToleranceSeconds ?? 30, 0), 60);
  return {
    async verify(token: string): Promise<AccessTokenClaims> {
      if (typeof token !== 'string') throw new TokenRejection('not a string');
      const parsed = parseToken(token);
      const key = keys.get(parsed.kid);
      if (!key) throw new TokenRejection('unknown kid');
      const payload = checkSignature(parsed, key);
      return claimsFromPayload(payload, { issuer: options.issuer, audience: options.audience, clockToleranceSeconds: tolerance, nowSeconds: now() / 1000 });
    },
    ready: () => true,
    refresh: async () => undefined,
  };
}
