import { AppError, isAppError } from '@gatehouse/errors';
import type { Logger } from '@gatehouse/logger';
import { TokenRejection } from './access-token-claims';
import { keysFromJwks, type VerificationKey } from './jwks-keys';

/** First pause after a failed fetch while no keys are loaded: short, because every request waits for keys. */
const FIRST_RETRY_MS = 250;
/** Longest pause while no keys are loaded; the issuer is usually only seconds behind us at start-up. */
const MAX_RETRY_MS = 5000;

export interface JwksKeySourceOptions {
  readonly jwksUrl: string;
  readonly refetchCooldownMs: number;
  readonly fetchTimeoutMs: number;
  /** 0 disables the background refresh. */
  readonly refreshIntervalMs: number;
  readonly logger: Logger;
  readonly now: () => number;
}

/** The issuer's public keys by kid, fetched, paced and refreshed. */
export interface JwksKeySource {
  /**
   * The key published for `kid`. Throws `TokenRejection` when a JWKS fetched fine without it, and
   * `AppError('dependency_unavailable')` with `retryAfterSeconds` when the keys could not be had.
   */
  keyFor(kid: string): Promise<VerificationKey>;
  has(kid: string): boolean;
  ready(): boolean;
  refresh(): Promise<void>;
  close(): void;
}

/** The error `keyFor` throws when the keys, not the token, are the problem. */
export function isKeysUnavailable(error: unknown): error is AppError {
  return isAppError(error) && error.code === 'dependency_unavailable';
}

function unavailable(retryAtMs: number, nowMs: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil((retryAtMs - nowMs) / 1000));
  return new AppError('dependency_unavailable', 'The keys that verify access tokens cannot be loaded right now.', { details: { retryAfterSeconds } });
}

/**
 * Only an unknown kid triggers a refetch, at most once per cooldown, so a flood of forged kids
 * cannot turn into a flood of JWKS requests. Until the first JWKS arrives there is nothing to
 * protect and every token waits, so fetches follow a short back-off instead, in the background and
 * on request. Concurrent callers share one fetch; when the endpoint is down the known keys keep serving.
 */
export function createJwksKeySource(options: JwksKeySourceOptions): JwksKeySource {
  const { now, logger } = options;
  let keys = new Map<string, VerificationKey>();
  let loaded = false;
  let lastFetchAt = Number.NEGATIVE_INFINITY;
  let lastFetchFailed = false;
  let inFlight: Promise<void> | undefined;
  let retryDelayMs = FIRST_RETRY_MS;
  let retryAt = Number.NEGATIVE_INFINITY;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function retrySoon(): void {
    retryAt = now() + retryDelayMs;
    clearTimeout(retryTimer);
    // The process is not ready yet and may get no traffic that would trigger a fetch.
    if (!closed) retryTimer = setTimeout(() => void refresh().catch(() => undefined), retryDelayMs).unref();
    retryDelayMs = Math.min(retryDelayMs * 2, MAX_RETRY_MS);
  }

  async function fetchKeys(): Promise<void> {
    lastFetchAt = now();
    try {
      const response = await fetch(options.jwksUrl, { signal: AbortSignal.timeout(options.fetchTimeoutMs), headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      const fresh = keysFromJwks(await response.json());
      if (fresh.size === 0) throw new Error('JWKS holds no usable keys');
      keys = fresh;
      loaded = true;
      lastFetchFailed = false;
      clearTimeout(retryTimer);
      logger.debug({ kids: [...fresh.keys()] }, 'JWKS loaded');
    } catch (error) {
      lastFetchFailed = true;
      if (!loaded) retrySoon();
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

  const mayFetch = () => (loaded ? now() - lastFetchAt >= options.refetchCooldownMs : now() >= retryAt);

  async function keyFor(kid: string): Promise<VerificationKey> {
    const known = keys.get(kid);
    if (known) return known;
    if (inFlight) await inFlight.catch(() => undefined);
    else if (mayFetch()) await refresh().catch(() => undefined);
    const key = keys.get(kid);
    if (key) return key;
    // Without a successful fetch, "unknown kid" would blame a valid token for our outage.
    if (!loaded) throw unavailable(retryAt, now());
    if (lastFetchFailed) throw unavailable(lastFetchAt + options.refetchCooldownMs, now());
    throw new TokenRejection('unknown kid');
  }

  refresh().catch(() => undefined);
  const timer = options.refreshIntervalMs > 0 ? setInterval(() => void refresh().catch(() => undefined), options.refreshIntervalMs) : undefined;
  timer?.unref();

  return {
    keyFor,
    has: (kid) => keys.has(kid),
    ready: () => loaded,
    refresh,
    close() {
      closed = true;
      clearTimeout(retryTimer);
      if (timer) clearInterval(timer);
    },
  };
}
