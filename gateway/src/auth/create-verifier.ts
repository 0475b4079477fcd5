import { createJwksVerifier, type JwksVerifier } from '@gatehouse/jwt';
import type { Logger } from '@gatehouse/logger';
import type { GatewayConfig } from '../config';

/** The gateway's verifier; `uncached` turns the result cache off to measure its worth. */
export function createGatewayVerifier(config: Readonly<GatewayConfig>, logger: Logger): JwksVerifier {
  return createJwksVerifier({
    jwksUrl: config.JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
    refetchCooldownMs: config.JWKS_REFETCH_COOLDOWN_MS,
    refreshIntervalMs: config.JWKS_REFRESH_INTERVAL_MS,
    cacheSize: config.JWT_VERIFY_MODE === 'uncached' ? 0 : 10_000,
    logger,
  });
}
