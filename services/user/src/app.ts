import type { Express } from 'express';
import type { Pool } from 'pg';
import { createHttpApp, type HttpApp } from '@gatehouse/http';
import type { AccessTokenVerifier } from '@gatehouse/jwt';
import type { Logger } from '@gatehouse/logger';
import type { UserConfig } from './config';
import type { Clock } from './domain/user.ports';
import { ensureProfile } from './domain/ensure-profile.use-case';
import { updateProfile } from './domain/update-profile.use-case';
import { listUsers } from './domain/list-users.use-case';
import { deleteUser } from './domain/delete-user.use-case';
import { createProfileStore } from './store/profile.store';
import { userRoutes } from './http/user.routes';

export interface UserDeps {
  readonly pool: Pool;
  /** Verifies bearer tokens against the auth service's JWKS. */
  readonly verifier: AccessTokenVerifier;
  readonly logger: Logger;
  readonly clock?: Clock;
}

export interface UserApp {
  readonly app: Express;
  readonly http: HttpApp;
}

/** Composition root of the user service: store, use cases and routes from injected connections. */
export function createApp(config: Readonly<UserConfig>, deps: UserDeps): UserApp {
  const clock = deps.clock ?? Date.now;
  const profiles = createProfileStore(deps.pool);

  const http = createHttpApp({
    service: 'user',
    logger: deps.logger,
    trustProxyHops: config.TRUST_PROXY_HOPS,
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
      deleteUser: (id) => deleteUser({ profiles }, id),
    },
  });

  return { app: http.finish(routes), http };
}
