import type { Pool } from 'pg';
import { Router, type Express } from 'express';
import type { AmqpConnection } from '@gatehouse/events';
import type { HttpApp } from '@gatehouse/http';
import type { Logger } from '@gatehouse/logger';
import type { AuthConfig } from './config';
import type { Clock, PasswordHasher } from './domain/auth.ports';
import { bootstrapAdmin } from './domain/bootstrap-admin.use-case';
import { deleteAccount } from './domain/delete-account.use-case';
import { secrets } from './crypto/secrets';
import type { KeyRing } from './crypto/key-ring';
import { createAuthMetrics } from './http/auth-metrics';
import { createBackgroundWork } from './http/background-work';
import type { RedisClient } from './store/redis-client';
import { accountSelfServiceRoutes } from './account.wiring';
import { composeAuditLog, type AuditLog } from './audit.wiring';
import { clientCredentialsRoutes } from './client-credentials.wiring';
import { composeEvents } from './events.wiring';
import { createAuthHttp, publishedRoutes } from './http.wiring';
import { composeSecondFactors } from './mfa-composition';
import { composePasskeys } from './passkeys-composition';
import { createRateLimiters } from './rate-limits.wiring';
import { signInRoutes } from './sign-in.wiring';
import { createStores } from './stores.wiring';
import { createTokens } from './tokens.wiring';

export interface AuthDeps {
  readonly pool: Pool;
  /** One server or a cluster (`createRedisClient`), with `keyPrefix: config.REDIS_KEY_PREFIX`. */
  readonly redis: RedisClient;
  readonly keys: KeyRing;
  /** Signs refresh and CSRF tokens. */
  readonly sessionSecret: string;
  readonly hasher: PasswordHasher;
  readonly logger: Logger;
  /** The broker link: the outbox relay publishes on it and the consumers consume from it. */
  readonly connection: AmqpConnection;
  readonly clock?: Clock;
}

export interface AuthApp {
  readonly app: Express;
  readonly http: HttpApp;
  /** Creates the configured first admin unless that account exists. */
  bootstrapAdmin(email: string, password: string): Promise<boolean>;
  /** Writes the buffered audit records now, or prunes those past retention (tests, operators). */
  readonly audit: Pick<AuditLog, 'flush' | 'prune'>;
  /** Starts the outbox relay and the consumers (they resume after every reconnect). */
  start(): Promise<void>;
  /** Stops consuming, waits for the messages in flight, then stops the relay. */
  stop(): Promise<void>;
}

/** Password-reset requests handled at once after answering; past it they are dropped (and logged). */
const BACKGROUND_WORK_LIMIT = 64;

/** Composition root of the auth service: stores, use cases and routes from injected connections. */
export function createApp(config: Readonly<AuthConfig>, deps: AuthDeps): AuthApp {
  const clock = deps.clock ?? Date.now;
  const { http, addressOf } = createAuthHttp(config, deps);
  const stores = createStores(config, { ...deps, clock });
  const tokens = createTokens(config, { ...deps, clock });
  const limits = createRateLimiters(config, deps.redis);
  // What the compositions below share; each takes from it only what its own interface names.
  const parts = { ...deps, ...stores, ...tokens, clock, addressOf, limits, metrics: createAuthMetrics(http.registry) };
  const audit = composeAuditLog(config, { ...parts, registry: http.registry });
  const shared = { ...parts, audit: audit.trail };
  const events = composeEvents(config, { ...shared, deleteAccount: (eventId, userId) => deleteAccount(shared, eventId, userId) });
  const secondFactors = composeSecondFactors(config, { ...shared, loginThrottle: stores.throttle });
  const finishLogin = { sessions: stores.sessions, tokens: tokens.tokens, signer: tokens.signer, secrets, ...secondFactors.loginDeps };
  const background = createBackgroundWork(deps.logger, BACKGROUND_WORK_LIMIT);

  const routes = Router();
  routes.use(audit.context);
  routes.use(publishedRoutes(config, shared));
  routes.use(clientCredentialsRoutes(config, { ...shared, limiter: limits.define }));
  routes.use(audit.routes);
  routes.use(signInRoutes(config, { ...shared, secondFactors: secondFactors.loginDeps }));
  routes.use(secondFactors.routes);
  routes.use(composePasskeys(config, { ...shared, finishLogin }));
  routes.use(accountSelfServiceRoutes(config, { ...shared, background }));

  return {
    app: http.finish(routes),
    http,
    audit: { flush: () => audit.flush(), prune: () => audit.prune() },
    bootstrapAdmin: (email, password) => bootstrapAdmin({ ...shared, secrets }, email, password),
    async start() {
      await events.start();
      audit.start();
    },
    async stop() {
      await background.drain();
      await events.stop();
      await audit.stop();
    },
  };
}
