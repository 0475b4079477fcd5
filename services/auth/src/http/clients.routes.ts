import { Router } from 'express';
import { AppError } from '@gatehouse/errors';
import { route, validate } from '@gatehouse/http';
import { requireAccessToken, requireRole, userIdentityOf, type AccessTokenVerifier } from '@gatehouse/jwt';
import type { SessionStore } from '../domain/auth.ports';
import type { OAuthClient } from '../domain/client.ports';
import type { CreateClientResult, NewClientInput } from '../domain/manage-clients.use-case';
import { clientIdParams, newClientBody } from './clients.schemas';
import { allowedOrigin, requireLiveSession } from './guards';

/** The use cases, already bound to their dependencies by the composition root. */
export interface ClientUseCases {
  createClient(input: NewClientInput): Promise<CreateClientResult>;
  listClients(): Promise<OAuthClient[]>;
  deleteClient(clientId: string, deletedBy: string): Promise<void>;
}

export interface ClientsRoutesOptions {
  readonly useCases: ClientUseCases;
  /** Bearer tokens are verified here with the service's own keys, and their session must be live. */
  readonly verifier: AccessTokenVerifier;
  readonly sessions: Pick<SessionStore, 'exists'>;
  readonly allowedOrigins: readonly string[];
  /** OAUTH_SCOPES: the only scopes an admin may grant. */
  readonly grantableScopes: readonly string[];
}

/** What admins see of a client: never its secret or digest. */
const clientView = (client: OAuthClient) => ({
  clientId: client.clientId,
  name: client.name,
  scopes: client.scopes,
  roles: client.roles,
  createdAt: client.createdAt.toISOString(),
});

/** OAuth clients of the client credentials grant, managed by admins. */
export function clientsRoutes(options: ClientsRoutesOptions): Router {
  const router = Router();
  const { useCases } = options;
  const origin = allowedOrigin(options.allowedOrigins);
  // A signed-in admin in a live session; service tokens get 403 (requireAccessToken's default),
  // so no client can mint other clients.
  const admin = [requireAccessToken(options.verifier), requireLiveSession(options.sessions), requireRole('admin')];
  const clientBody = newClientBody(options.grantableScopes);

  route(router, '/api/admin/clients', {
    GET: [
      ...admin,
      async (_req, res) => {
        const clients = await useCases.listClients();
        res.set('Cache-Control', 'no-store').json({ clients: clients.map(clientView) });
      },
    ],
    POST: [
      origin,
      ...admin,
      async (req, res) => {
        const body = validate(clientBody, req.body);
        const result = await useCases.createClient({ ...body, createdBy: userIdentityOf(res).sub });
        if (result.outcome === 'limit_reached') throw new AppError('client_limit_reached', `At most ${result.maxClients} clients may exist; delete one first.`);
        const { clientId, ...rest } = clientView(result.client);
        // The secret is shown this once: no cache may keep the answer.
        res
          .status(201)
          .set('Cache-Control', 'no-store')
          .json({ clientId, clientSecret: result.clientSecret, ...rest });
      },
    ],
  });

  route(router, '/api/admin/clients/:id', {
    DELETE: [
      origin,
      ...admin,
      async (req, res) => {
        const { id } = validate(clientIdParams, req.params);
        await useCases.deleteClient(id, userIdentityOf(res).sub);
        res.status(204).end();
      },
    ],
  });

  return router;
}
