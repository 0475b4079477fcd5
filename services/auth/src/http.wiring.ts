import cookieParser from 'cookie-parser';
import { Router, type Request } from 'express';
import type { Pool } from 'pg';
import { createHttpApp, type HttpApp } from '@gatehouse/http';
import type { Logger } from '@gatehouse/logger';
import type { AuthConfig } from './config';
import type { Clock } from './domain/auth.ports';
import type { KeyRing } from './crypto/key-ring';
import { clientAddressKey } from './http/client-address';
import type { AddressOf } from './http/guards';
import { revocationsRoutes } from './http/revocations.routes';
import { TOKEN_PATH } from './http/token.routes';
import { wellKnownRoutes } from './http/well-known.routes';
import { createRevocationLog } from './store/revocation-log.store';
import type { RedisClient } from './store/redis-client';

export interface AuthHttp {
  readonly http: HttpApp;
  /** The client's address as every rate limit counts it (IPv6 grouped by prefix). */
  readonly addressOf: AddressOf;
}

/** The service's HTTP app, its readiness checks, and how it tells clients apart. */
export function createAuthHttp(config: Readonly<AuthConfig>, deps: { readonly pool: Pool; readonly redis: RedisClient; readonly logger: Logger }): AuthHttp {
  const http = createHttpApp({
    service: 'auth',
    logger: deps.logger,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    protocolBodyPaths: [TOKEN_PATH],
    readinessChecks: {
      postgres: async () => void (await deps.pool.query('SELECT 1')),
      redis: async () => void (await deps.redis.ping()),
      // No broker: registration and the rest keep working through the outbox while it is down.
    },
  });
  http.app.use(cookieParser());
  return { http, addressOf: (req: Request) => clientAddressKey(req.ip, config.RATE_LIMIT_IPV6_PREFIX_BITS) };
}

/** What the service publishes for others to check its tokens by: its keys and metadata, and the revocations. */
export function publishedRoutes(config: Readonly<AuthConfig>, deps: { readonly keys: KeyRing; readonly pool: Pool; readonly clock: Clock }): Router {
  const routes = Router();
  routes.use(
    wellKnownRoutes({
      jwks: () => deps.keys.jwks(deps.clock()),
      issuer: config.JWT_ISSUER,
      publicUrl: config.APP_URL,
      maxAgeSeconds: config.JWKS_MAX_AGE_SECONDS,
      scopes: config.OAUTH_SCOPES,
    }),
  );
  routes.use(revocationsRoutes({ log: createRevocationLog(deps.pool), retentionSeconds: config.OUTBOX_RETENTION_SECONDS }));
  return routes;
}
