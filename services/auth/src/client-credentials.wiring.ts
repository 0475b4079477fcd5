import { Router } from 'express';
import type { Pool } from 'pg';
import type { AccessTokenVerifier } from '@gatehouse/jwt';
import type { Logger } from '@gatehouse/logger';
import type { AuthConfig } from './config';
import type { AccessTokenSigner, Clock, SessionStore, Transactions } from './domain/auth.ports';
import { adminActor, audited, type AuditTrail } from './domain/audit.ports';
import { issueClientToken } from './domain/issue-client-token.use-case';
import { createClient, deleteClient, listClients, type ManageClientsDeps } from './domain/manage-clients.use-case';
import { newClientId, secrets } from './crypto/secrets';
import { createClientStore } from './store/client.store';
import type { RateLimiter } from './store/rate-limiter.store';
import type { AddressOf } from './http/guards';
import { tokenRoutes } from './http/token.routes';
import { clientsRoutes } from './http/clients.routes';

export interface ClientCredentialsDeps {
  readonly pool: Pool;
  readonly transactions: Pick<Transactions, 'run'>;
  readonly signer: Pick<AccessTokenSigner, 'signForClient'>;
  /** Verifies admins' Bearer tokens with the service's own keys. */
  readonly verifier: AccessTokenVerifier;
  readonly sessions: Pick<SessionStore, 'exists'>;
  readonly limiter: (name: string, limit: number, windowSeconds: number) => RateLimiter;
  readonly addressOf: AddressOf;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly audit: AuditTrail;
}

/** The client credentials grant: the token endpoint and the admins' client management, wired. */
export function clientCredentialsRoutes(config: Readonly<AuthConfig>, deps: ClientCredentialsDeps): Router {
  const clients = createClientStore(deps.pool);
  const manage: ManageClientsDeps = {
    clients,
    transactions: deps.transactions,
    secrets,
    newClientId,
    maxClients: config.OAUTH_CLIENTS_LIMIT,
    logger: deps.logger,
  };
  const perClient = deps.limiter('token-client', config.TOKEN_CLIENT_LIMIT, config.TOKEN_CLIENT_WINDOW_SECONDS);
  const router = Router();
  router.use(
    tokenRoutes({
      issueToken: (request) => issueClientToken({ clients, secrets, signer: deps.signer, perClient, clock: deps.clock }, request),
      addressOf: deps.addressOf,
      perAddress: deps.limiter('token', config.TOKEN_IP_LIMIT, config.TOKEN_IP_WINDOW_SECONDS),
      logger: deps.logger,
    }),
  );
  router.use(
    clientsRoutes({
      useCases: {
        createClient: (input) =>
          audited(
            deps.audit,
            'client_create',
            () => createClient(manage, input),
            { actor: adminActor(input.createdBy) },
            (result) => (result.outcome === 'created' ? { subject: result.client.clientId } : { outcome: 'failure', reason: 'client_limit_reached' }),
          ),
        listClients: () => listClients(manage),
        deleteClient: (clientId, deletedBy) =>
          audited(deps.audit, 'client_delete', () => deleteClient(manage, clientId, deletedBy), { actor: adminActor(deletedBy), subject: clientId }),
      },
      verifier: deps.verifier,
      sessions: deps.sessions,
      allowedOrigins: config.CORS_ORIGINS,
      grantableScopes: config.OAUTH_SCOPES,
    }),
  );
  return router;
}
