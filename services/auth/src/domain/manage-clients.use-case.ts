import { AppError } from '@gatehouse/errors';
import { createEvent } from '@gatehouse/events';
import type { Logger } from '@gatehouse/logger';
import type { SecretGenerator, Transactions } from './auth.ports';
import type { ClientStore, OAuthClient } from './client.ports';

export interface ManageClientsDeps {
  readonly clients: Pick<ClientStore, 'list'>;
  readonly transactions: Pick<Transactions, 'run'>;
  readonly secrets: Pick<SecretGenerator, 'token' | 'digest'>;
  /** `svc_` and 128 random bits, base64url. */
  readonly newClientId: () => string;
  /** How many clients may exist at once. */
  readonly maxClients: number;
  readonly logger: Logger;
}

export interface NewClientInput {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  /** The admin's user id. */
  readonly createdBy: string;
}

export type CreateClientResult =
  /** The secret is shown this once; only its digest is kept. */
  | { readonly outcome: 'created'; readonly client: OAuthClient; readonly clientSecret: string }
  | { readonly outcome: 'limit_reached'; readonly maxClients: number };

/** Creates a client unless `maxClients` exist; counting and inserting share one locked transaction, so concurrent creations cannot overshoot. */
export async function createClient(deps: ManageClientsDeps, input: NewClientInput): Promise<CreateClientResult> {
  const clientSecret = deps.secrets.token();
  const client = await deps.transactions.run(async (tx) => {
    if ((await tx.countClientsLocked()) >= deps.maxClients) return undefined;
    return tx.insertClient({ ...input, clientId: deps.newClientId(), secretDigest: deps.secrets.digest(clientSecret) });
  });
  if (client === undefined) {
    deps.logger.warn({ createdBy: input.createdBy, maxClients: deps.maxClients }, 'oauth client refused: limit reached');
    return { outcome: 'limit_reached', maxClients: deps.maxClients };
  }
  deps.logger.info({ clientId: client.clientId, createdBy: input.createdBy, scopes: client.scopes, roles: client.roles }, 'oauth client created');
  return { outcome: 'created', client, clientSecret };
}

export function listClients(deps: Pick<ManageClientsDeps, 'clients'>): Promise<OAuthClient[]> {
  return deps.clients.list();
}

/**
 * Deletes the client and announces `client.deleted` in one transaction: from the commit on no new
 * token is issued, and gateways refuse the tokens it still holds once the event reaches them.
 */
export async function deleteClient(deps: Pick<ManageClientsDeps, 'transactions' | 'logger'>, clientId: string, deletedBy: string): Promise<void> {
  const deleted = await deps.transactions.run(async (tx) => {
    if (!(await tx.deleteClient(clientId))) return false;
    await tx.publish(createEvent('client.deleted', { clientId }));
    return true;
  });
  if (!deleted) throw new AppError('not_found', 'No client has this id.');
  deps.logger.info({ clientId, deletedBy }, 'oauth client deleted');
}
