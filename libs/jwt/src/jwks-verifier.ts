import type { Logger } from '@gatehouse/logger';
import { claimsFromPayload, TokenRejection, type AccessTokenClaims } from './access-token-claims';
import { checkSignature, parseToken } from './compact-token';
import { createJwksKeySource, isKeysUnavailable } from './jwks-key-source';
import { VerificationCache } from './verification-cache';

export interface JwksVerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Allowed clock skew for exp/nbf/iat; default 30, at most 60. */
  clockToleranceSeconds?: number;
  /**
   * Least time between two fetches caused by unknown kids once keys are loaded; default 30 000.
   * Before that, fetches follow a short back-off (250 ms doubling to 5 s).
   */
  refetchCooldownMs?: number;
  /** Default 2000. */
  fetchTimeoutMs?: number;
  logger: Logger;
  /** Background refresh period; default 5 minutes, 0 disables it. */
  refreshIntervalMs?: number;
  /** Verified tokens remembered until their exp; default 10 000, 0 disables the cache. */
  cacheSize?: number;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

export interface AccessTokenVerifier {
  /**
   * Resolves with the claims. Throws `AppError('dependency_unavailable')` with `retryAfterSeconds`
   * while the keys cannot be loaded (the token may well be valid), else `AppError('token_invalid')`.
   */
  verify(token: string): Promise<AccessTokenClaims>;
  /**
   * The claims of `token` when an earlier `verify` of it still holds (a cache hit: same checks as
   * `verify` makes of a hit), in this turn of the event loop; undefined when `verify` must decide.
   * A proxy serving from the cache then forwards without waiting on a promise.
   */
  verifyCached?(token: string): AccessTokenClaims | undefined;
  /** True once a JWKS has been loaded. */
  ready(): boolean;
  /** (Re)fetches the JWKS now; on failure keeps the old keys and rejects. Concurrent calls share one fetch. */
  refresh(): Promise<void>;
}

export interface JwksVerifier extends AccessTokenVerifier {
  /** Stops the background refresh. */
  close(): void;
}

/**
 * Verifies Gatehouse access tokens against the auth service's published keys, fetched and cached
 * by kid (see `createJwksKeySource` for when the JWKS is fetched again).
 */
export function createJwksVerifier(options: JwksVerifierOptions): JwksVerifier {
  const now = options.now ?? Date.now;
  const tolerance = Math.min(Math.max(options.clockToleranceSeconds ?? 30, 0), 60);
  const cache = new VerificationCache(options.cacheSize ?? 10_000);
  const logger = options.logger;
  const keys = createJwksKeySource({
    jwksUrl: options.jwksUrl,
    refetchCooldownMs: options.refetchCooldownMs ?? 30_000,
    fetchTimeoutMs: options.fetchTimeoutMs ?? 2000,
    refreshIntervalMs: options.refreshIntervalMs ?? 5 * 60_000,
    logger,
    now,
  });

  function verifyCached(token: string): AccessTokenClaims | undefined {
    if (typeof token !== 'string') return undefined;
    const cached = cache.get(token, now() / 1000);
    // A key removed from the JWKS also retires the tokens it signed.
    return cached && keys.has(cached.kid) ? cached.claims : undefined;
  }

  async function verify(token: string): Promise<AccessTokenClaims> {
    if (typeof token !== 'string') throw new TokenRejection('not a string');
    const hit = verifyCached(token);
    if (hit) return hit;
    const nowSeconds = now() / 1000;
    try {
      const parsed = parseToken(token);
      const key = await keys.keyFor(parsed.kid);
      const payload = checkSignature(parsed, key);
      const claims = claimsFromPayload(payload, { issuer: options.issuer, audience: options.audience, clockToleranceSeconds: tolerance, nowSeconds });
      cache.set(token, { claims, kid: parsed.kid }, nowSeconds);
      return claims;
    } catch (error) {
      if (error instanceof TokenRejection) {
        logger.debug({ reason: error.reason }, 'access token rejected');
        throw error;
      }
      if (isKeysUnavailable(error)) throw error;
      logger.warn({ err: error }, 'access token verification failed unexpectedly');
      throw new TokenRejection('unexpected failure');
    }
  }

  return {
    verify,
    verifyCached,
    refresh: keys.refresh,
    ready: keys.ready,
    close() {
      keys.close();
      cache.clear();
    },
  };
}
