import { claimsFromPayload, TokenRejection, type AccessTokenClaims } from './access-token-claims';
import { checkSignature, parseToken } from './compact-token';
import { keysFromJwks, type VerificationKey } from './jwks-keys';
import type { AccessTokenVerifier } from './jwks-verifier';

export interface StaticKeyVerifierOptions {
  /**
   * A JWK Set held in memory, e.g. the issuer's own published keys; or a function answering the
   * set as it stands, parsed again only when it answers a different object (keys on a schedule).
   */
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
  const source = typeof options.jwks === 'function' ? (options.jwks as () => unknown) : () => options.jwks;
  let parsed: { readonly jwks: unknown; readonly keys: Map<string, VerificationKey> } | undefined;
  const currentKeys = () => {
    const jwks = source();
    if (parsed !== undefined && parsed.jwks === jwks) return parsed.keys;
    parsed = { jwks, keys: keysFromJwks(jwks) };
    return parsed.keys;
  };
  if (currentKeys().size === 0) throw new Error('the JWK Set holds no usable verification key');
  const now = options.now ?? Date.now;
  const tolerance = Math.min(Math.max(options.clockToleranceSeconds ?? 30, 0), 60);
  return {
    async verify(token: string): Promise<AccessTokenClaims> {
      if (typeof token !== 'string') throw new TokenRejection('not a string');
      const compact = parseToken(token);
      const key = currentKeys().get(compact.kid);
      if (!key) throw new TokenRejection('unknown kid');
      const payload = checkSignature(compact, key);
      return claimsFromPayload(payload, { issuer: options.issuer, audience: options.audience, clockToleranceSeconds: tolerance, nowSeconds: now() / 1000 });
    },
    ready: () => true,
    refresh: async () => undefined,
  };
}
