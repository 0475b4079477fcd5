import type { ClientBase, Pool } from 'pg';
import type { ClientCredential, ClientStore, NewOAuthClient, OAuthClient } from '../domain/client.ports';

type Queryable = Pick<ClientBase, 'query'>;

interface ClientRow {
  client_id: string;
  name: string;
  scopes: string[];
  roles: string[];
  created_at: Date;
}

const COLUMNS = 'client_id, name, scopes, roles, created_at';

const toClient = (row: ClientRow): OAuthClient => ({
  clientId: row.client_id,
  name: row.name,
  scopes: row.scopes,
  roles: row.roles,
  createdAt: row.created_at,
});

// The digest is kept as the 32 raw bytes; the domain speaks base64url (`SecretGenerator.digest`).
const toBytes = (digest: string) => Buffer.from(digest, 'base64url');

/**
 * A named statement: each pooled connection parses and plans the token endpoint's one query once,
 * not on every request.
 */
const FIND_CREDENTIAL = { name: 'oauth-client-credential', text: 'SELECT secret_digest, scopes, roles FROM oauth_clients WHERE client_id = $1' };

export function createClientStore(pool: Pool): ClientStore {
  return {
    async findCredential(clientId): Promise<ClientCredential | undefined> {
      const { rows } = await pool.query<{ secret_digest: Buffer; scopes: string[]; roles: string[] }>({ ...FIND_CREDENTIAL, values: [clientId] });
      const row = rows[0];
      return row && { clientId, secretDigest: row.secret_digest.toString('base64url'), scopes: row.scopes, roles: row.roles };
    },
    async list() {
      const { rows } = await pool.query<ClientRow>(`SELECT ${COLUMNS} FROM oauth_clients ORDER BY created_at, client_id`);
      return rows.map(toClient);
    },
  };
}

/**
 * SHARE ROW EXCLUSIVE conflicts with itself and with writes, not with reads: creations (and
 * deletions) queue behind the count, token requests go on.
 */
export async function countClientsLocked(db: Queryable): Promise<number> {
  await db.query('LOCK TABLE oauth_clients IN SHARE ROW EXCLUSIVE MODE');
  const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM oauth_clients');
  return rows[0]!.count;
}

export async function insertClient(db: Queryable, client: NewOAuthClient): Promise<OAuthClient> {
  const { rows } = await db.query<ClientRow>(
    `INSERT INTO oauth_clients (client_id, name, secret_digest, scopes, roles, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [client.clientId, client.name, toBytes(client.secretDigest), client.scopes, client.roles, client.createdBy],
  );
  return toClient(rows[0]!);
}

export async function deleteClient(db: Queryable, clientId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM oauth_clients WHERE client_id = $1', [clientId]);
  return rowCount === 1;
}
