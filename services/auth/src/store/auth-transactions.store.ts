import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@gatehouse/db';
import { insertOutboxEvent, type ProcessedEvents } from '@gatehouse/events';
import type { AuthTransaction, Transactions } from '../domain/auth.ports';
import { insertCredential, selectCredentialByEmail, selectCredentialById } from './credential.store';
import { countClientsLocked, deleteClient, insertClient } from './client.store';
import { secondFactorsOn } from './second-factor.store';
import { passkeysOn } from './passkey.store';

/** The tables of single-use tokens (a hash, its user, an expiry, when it was used); never user input. */
type TokenTable = 'email_verifications' | 'password_resets';

async function addToken(client: PoolClient, table: TokenTable, tokenHash: string, userId: string, expiresAt: Date): Promise<void> {
  await client.query(`INSERT INTO ${table} (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`, [tokenHash, userId, expiresAt]);
}

/** The token's user, once: one statement claims the row, so two concurrent uses cannot both succeed. */
async function useToken(client: PoolClient, table: TokenTable, tokenHash: string, now: Date): Promise<string | undefined> {
  const { rows } = await client.query<{ user_id: string }>(
    `UPDATE ${table} SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id`,
    [tokenHash, now],
  );
  return rows[0]?.user_id;
}

function transactionOn(client: PoolClient): AuthTransaction {
  return {
    createCredential: (credential) => insertCredential(client, credential),
    findByEmail: (email) => selectCredentialByEmail(client, email),
    addEmailVerification: (tokenHash, userId, expiresAt) => addToken(client, 'email_verifications', tokenHash, userId, expiresAt),
    useEmailVerification: (tokenHash, now) => useToken(client, 'email_verifications', tokenHash, now),
    async markEmailVerified(userId) {
      const { rows } = await client.query<{ email: string }>('UPDATE credentials SET email_verified = true, updated_at = now() WHERE id = $1 RETURNING email', [
        userId,
      ]);
      return rows[0]?.email;
    },
    findById: (userId) => selectCredentialById(client, userId),
    async setPassword(userId, passwordHash, options) {
      const before = await selectCredentialById(client, userId, { forUpdate: true });
      if (!before) return undefined;
      await client.query('UPDATE credentials SET password_hash = $2, email_verified = email_verified OR $3, updated_at = now() WHERE id = $1', [
        userId,
        passwordHash,
        options.markEmailVerified,
      ]);
      return before;
    },
    async voidPasswordResets(userId) {
      // The account's row lock serialises concurrent requests: each voids what the one before made.
      await client.query('SELECT 1 FROM credentials WHERE id = $1 FOR UPDATE', [userId]);
      await client.query('UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL', [userId]);
    },
    addPasswordReset: (tokenHash, userId, expiresAt) => addToken(client, 'password_resets', tokenHash, userId, expiresAt),
    usePasswordReset: (tokenHash, now) => useToken(client, 'password_resets', tokenHash, now),
    async peekPasswordReset(tokenHash, now) {
      const { rows } = await client.query<{ user_id: string }>(
        'SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2',
        [tokenHash, now],
      );
      return rows[0]?.user_id;
    },
    async lockAdmins() {
      const { rows } = await client.query<{ id: string }>(`SELECT id FROM credentials WHERE 'admin' = ANY (roles) ORDER BY id FOR UPDATE`);
      return rows.map((row) => row.id);
    },
    async deleteCredential(userId) {
      await client.query('DELETE FROM credentials WHERE id = $1', [userId]);
    },
    countClientsLocked: () => countClientsLocked(client),
    insertClient: (oauthClient) => insertClient(client, oauthClient),
    deleteClient: (clientId) => deleteClient(client, clientId),
    publish: (event) => insertOutboxEvent(client, event),
    ...secondFactorsOn(client),
    ...passkeysOn(client),
  };
}

/** PostgreSQL transactions for the use cases; outbox rows are written with the change they announce. */
export function createTransactions(pool: Pool, processed: ProcessedEvents): Transactions {
  return {
    run: (work) => withTransaction(pool, (client) => work(transactionOn(client))),
    once: (eventId, work) => processed.once(eventId, (client) => work(transactionOn(client))),
  };
}
