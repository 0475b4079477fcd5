import type { Logger } from '@gatehouse/logger';
import { claimsFromPayload, TokenRejection, type AccessTokenClaims } from './access-token-claims';
import { checkSignature, parseToken } from './compact-token';
import { keysFromJwks, type VerificationKey } from './jwks-keys';
import { VerificationCache } from './verification-cache';

export interface JwksVerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Allowed clock skew for exp/nbf/iat; default 30, at most 60. */
  clockToleranceSeconds?: number;
  /** Least time between two fetches caused by unknown kids; default 30 000. */
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
  /** Resolves with the claims, or throws `AppError('token_invalid')` on any failure. */
  verify(token: string): Promise<AccessTokenClaims>;
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
 * Verifies Gatehouse access tokens against the auth service's published keys. Keys are fetched
 * once and cached by kid; only an unknown kid triggers a refetch, at most once per cooldown, so a
 * flood of forged kids cannot turn into a flood of JWKS requests. When the JWKS endpoint is down
 * the known keys keep serving.
 */
export function createJwksVerifier(options: JwksVerifierOptions): JwksVerifier {
  const now = options.now ?? Date.now;
  const tolerance = Math.min(Math.max(options.clockToleranceSeconds ?? 30, 0), 60);
  const cooldownMs = options.refetchCooldownMs ?? 30_000;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 2000;
  const cache = new VerificationCache(options.cacheSize ?? 10_000);
  const logger = options.logger;
  let keys = new Map<string, VerificationKey>();
  let loaded = false;
  let lastFetchAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;

  async function fetchKeys(): Promise<void> {
    lastFetchAt = now();
    try {
      const response = await fetch(options.jwksUrl, { signal: AbortSignal.timeout(fetchTimeoutMs), headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      const fresh = keysFromJwks(await response.json());
      if (fresh.size === 0) throw new Error('JWKS holds no usable keys');
      keys = fresh;
      loaded = true;
      logger.debug({ kids: [...fresh.keys()] }, 'JWKS loaded');
    } catch (error) {
      logger.warn({ err: error, jwksUrl: options.jwksUrl, keptKeys: keys.size }, 'JWKS fetch failed; keeping known keys');
      throw error;
    }
  }

  function refresh(): Promise<void> {
    inFlight ??= fetchKeys().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function keyFor(kid: string): Promise<VerificationKey> {
    const known = keys.get(kid);
    if (known) return known;
    if (inFlight) await inFlight.catch(() => undefined);
    else if (now() - lastFetchAt >= cooldownMs) await refresh().catch(() => undefined);
    const key = keys.get(kid);
    if (!key) throw new TokenRejection('unknown kid');
    return key;
  }

  async function verify(token: string): Promise<AccessTokenClaims> {
    if (typeof token !== 'string') throw new TokenRejection('not a string');
    const nowSeconds = now() / 1000;
    const cached = cache.get(token, nowSeconds);
    // A key removed from the JWKS also retires the tokens it signed.
    if (cached && keys.has(cached.kid)) return cached.claims;
    try {
      const parsed = parseToken(token);
      const key = await keyFor(parsed.kid);
      const payload = checkSignature(parsed, key);
      const claims = claimsFromPayload(payload, { issuer: options.issuer, audience: options.audience, clockToleranceSeconds: tolerance, nowSeconds });
      cache.set(token, { claims, kid: parsed.kid });
      return claims;
    } catch (error) {
      if (error instanceof TokenRejection) {
        logger.debug({ reason: error.reason }, 'access token rejected');
        throw error;
      }
      logger.warn({ err: error }, 'access token verification failed unexpectedly');
      throw new TokenRejection('unexpected failure');
    }
  }

  const refreshIntervalMs = options.refreshIntervalMs ?? 5 * 60_000;
  // Until the first JWKS arrives the process is not ready and may get no traffic to trigger a
  // fetch, so it retries on its own, quickly, then settles into the slow background refresh.
  const startupRetryMs = Math.min(cooldownMs, 5000);
  const startup = setInterval(() => {
    if (loaded) clearInterval(startup);
    else refresh().catch(() => undefined);
  }, startupRetryMs);
  startup.unref();
  refresh().catch(() => undefined);
  const timer = refreshIntervalMs > 0 ? setInterval(() => void refresh().catch(() => undefined), refreshIntervalMs) : undefined;
  timer?.unref();

  return {
    verify,
    refresh,
    ready: () => loaded,
    close() {
      clearInterval(startup);
      if (timer) clearInterval(timer);
      cache.clear();
    },
  };
}
