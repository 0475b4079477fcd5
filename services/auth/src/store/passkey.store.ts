import type { ClientBase, Pool } from 'pg';
import type { NewPasskey, Passkey, PasskeyStore, PasskeyTransaction } from '../domain/passkey.ports';

type Queryable = Pick<ClientBase, 'query'>;

interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: Buffer;
  public_key: Buffer;
  /** bigint: pg hands it over as text. */
  sign_count: string;
  transports: string[];
  backup_eligible: boolean;
  backed_up: boolean;
  aaguid: string;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
  suspected_clone_at: Date | null;
}

const COLUMNS =
  'id, user_id, credential_id, public_key, sign_count, transports, backup_eligible, backed_up, aaguid, name, created_at, last_used_at, suspected_clone_at';

const toPasskey = (row: PasskeyRow): Passkey => ({
  id: row.id,
  userId: row.user_id,
  credentialId: row.credential_id.toString('base64url'),
  publicKey: row.public_key,
  signCount: Number(row.sign_count),
  transports: row.transports,
  backupEligible: row.backup_eligible,
  backedUp: row.backed_up,
  aaguid: row.aaguid,
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  suspectedCloneAt: row.suspected_clone_at,
});

/** The domain speaks base64url (as WebAuthn's JSON does); the column keeps the raw bytes. */
const credentialBytes = (credentialId: string) => Buffer.from(credentialId, 'base64url');

export function createPasskeyStore(pool: Pool): PasskeyStore {
  return {
    async findByCredentialId(credentialId) {
      const { rows } = await pool.query<PasskeyRow>(`SELECT ${COLUMNS} FROM passkeys WHERE credential_id = $1`, [credentialBytes(credentialId)]);
      return rows[0] ? toPasskey(rows[0]) : undefined;
    },
    async listOf(userId) {
      const { rows } = await pool.query<PasskeyRow>(`SELECT ${COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
      return rows.map(toPasskey);
    },
    async recordUse(passkeyId, use) {
      // One conditional statement: of two assertions carrying the same counter, one updates.
      const { rowCount } = await pool.query(
        `UPDATE passkeys SET sign_count = $2, backed_up = $3, last_used_at = now()
         WHERE id = $1 AND suspected_clone_at IS NULL AND (sign_count < $2 OR (sign_count = 0 AND $2 = 0))`,
        [passkeyId, use.signCount, use.backedUp],
      );
      return rowCount === 1;
    },
    async markSuspectedClone(passkeyId) {
      await pool.query('UPDATE passkeys SET suspected_clone_at = now() WHERE id = $1 AND suspected_clone_at IS NULL', [passkeyId]);
    },
  };
}

/** Passkey changes on a client inside a transaction (see AuthTransaction). */
export function passkeysOn(db: Queryable): PasskeyTransaction {
  return {
    async countPasskeysLocked(userId) {
      // The account's row lock serialises registrations, so two cannot both take the last place.
      await db.query('SELECT 1 FROM credentials WHERE id = $1 FOR UPDATE', [userId]);
      const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM passkeys WHERE user_id = $1', [userId]);
      return rows[0]!.count;
    },
    async insertPasskey(passkey: NewPasskey) {
      const { rows } = await db.query<PasskeyRow>(
        `INSERT INTO passkeys (id, user_id, credential_id, public_key, sign_count, transports, backup_eligible, backed_up, aaguid, name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (credential_id) DO NOTHING
         RETURNING ${COLUMNS}`,
        [
          passkey.id,
          passkey.userId,
          credentialBytes(passkey.credentialId),
          passkey.publicKey,
          passkey.signCount,
          [...passkey.transports],
          passkey.backupEligible,
          passkey.backedUp,
          passkey.aaguid,
          passkey.name,
        ],
      );
      return rows[0] ? toPasskey(rows[0]) : undefined;
    },
    async deletePasskey(userId, passkeyId) {
      const { rowCount } = await db.query('DELETE FROM passkeys WHERE id = $1 AND user_id = $2', [passkeyId, userId]);
      return rowCount === 1;
    },
  };
}
