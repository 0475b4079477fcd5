import type { Express } from 'express';
import type { Pool } from 'pg';
import { createOutboxRelay, createProcessedEventsPruner, type AmqpConnection } from '@gatehouse/events';
import { createHttpApp, type HttpApp } from '@gatehouse/http';
import type { AccessTokenVerifier } from '@gatehouse/jwt';
import type { Logger } from '@gatehouse/logger';
import type { UserConfig } from './config';
import type { Clock } from './domain/user.ports';
import { ensureProfile } from './domain/ensure-profile.use-case';
import { updateProfile } from './domain/update-profile.use-case';
import { listUsers } from './domain/list-users.use-case';
import { deleteUser } from './domain/delete-user.use-case';
import { createRegisteredProfile } from './domain/create-registered-profile.use-case';
import { markEmailVerified } from './domain/mark-email-verified.use-case';
import { createProfileEventLog, createProfileStore } from './store/profile.store';
import { profileEventsConsumer } from './consumers/profile-events.consumer';
import { userRoutes } from './http/user.routes';

export interface UserDeps {
  readonly pool: Pool;
  /** Verifies bearer tokens against the auth service's JWKS. */
  readonly verifier: AccessTokenVerifier;
  readonly connection: AmqpConnection;
  readonly logger: Logger;
  readonly clock?: Clock;
}

export interface UserApp {
  readonly app: Express;
  readonly http: HttpApp;
  /** Starts consuming and relaying the outbox (again after every reconnect). */
  start(): Promise<void>;
  /** Stops consuming and relaying, after the work in flight. */
  stop(): Promise<void>;
}

/** Composition root of the user service: store, use cases, routes and consumers from injected connections. */
export function createApp(config: Readonly<UserConfig>, deps: UserDeps): UserApp {
  const clock = deps.clock ?? Date.now;
  const profiles = createProfileStore(deps.pool);
  const queue = `${config.EVENTS_QUEUE_PREFIX}.profile-events`;
  const processed = createProfileEventLog(deps.pool, queue);

  const http = createHttpApp({
    service: 'user',
    logger: deps.logger,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    // Ready = can serve. Not the broker: the outbox holds events while it is away, and its
    // outages show in the broker gauge and the logs instead of emptying the load balancer.
    readinessChecks: {
      postgres: async () => void (await deps.pool.query('SELECT 1')),
      jwks: async () => {
        if (!deps.verifier.ready()) throw new Error('no JWKS loaded yet');
      },
    },
  });

  const routes = userRoutes({
    verifier: deps.verifier,
    useCases: {
      ensureProfile: (caller) => ensureProfile({ profiles, clock }, caller),
      updateProfile: (caller, changes) => updateProfile({ profiles, clock }, caller, changes),
      listUsers: (input) => listUsers({ profiles }, input),
      deleteUser: (id, deletedBy) => deleteUser({ profiles }, id, deletedBy),
    },
  });

  const consumer = profileEventsConsumer({
    connection: deps.connection,
    exchange: config.EVENTS_EXCHANGE,
    queue,
    maxAttempts: config.EVENT_MAX_ATTEMPTS,
    retryBaseDelayMs: config.EVENT_RETRY_BASE_DELAY_MS,
    retryMaxDelayMs: config.EVENT_RETRY_MAX_DELAY_MS,
    logger: deps.logger,
    createRegisteredProfile: (registration) => createRegisteredProfile({ processed, clock }, registration),
    markEmailVerified: (verification) => markEmailVerified({ processed, profiles, clock }, verification),
  });
  const relay = createOutboxRelay({
    pool: deps.pool,
    connection: deps.connection,
    exchange: config.EVENTS_EXCHANGE,
    logger: deps.logger,
    retentionMs: config.OUTBOX_RETENTION_SECONDS * 1000,
  });
  const processedPruner = createProcessedEventsPruner({
    pool: deps.pool,
    logger: deps.logger,
    retentionMs: config.PROCESSED_EVENTS_RETENTION_SECONDS * 1000,
  });

  return {
    app: http.finish(routes),
    http,
    async start() {
      await relay.start();
      await consumer.start();
      processedPruner.start();
    },
    async stop() {
      await consumer.stop();
      await relay.stop();
      await processedPruner.stop();
    },
  };
}
