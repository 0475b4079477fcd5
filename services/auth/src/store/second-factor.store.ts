import type { ClientBase } from 'pg';
import type { SecondFactorMethod } from '../domain/auth-methods';
import type { SecondFactorStore, TotpFactor } from '../domain/mfa.ports';

type Queryable = Pick<ClientBase, 'query'>;

interface TotpRow {
  sealed_secret: Buffer;
  confirmed_at: Date | null;
  /** bigint: pg hands it over as text. */
  last_used_step: string | null;
}

const toFactor = (row: TotpRow): TotpFactor => ({
  sealedSecret: row.sealed_secret,
  confirmed: row.confirmed_at !== null,
  lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
});

/**
 * Second factors on a pool, or on a client inside a transaction. Each use of a code is one
 * conditional UPDATE, so two requests with the same code cannot both spend it.
 */
export function secondFactorsOn(db: Queryable): SecondFactorStore {
  return {
    async findTotp(userId, options = {}) {
      const lock = options.forUpdate ? ' FOR UPDATE' : '';
      const { rows } = await db.query<TotpRow>(`SELECT sealed_secret, confirmed_at, last_used_step FROM totp_factors WHERE user_id = $1${lock}`, [userId]);
      return rows[0] ? toFactor(rows[0]) : undefined;
    },
    async savePendingTotp(userId, sealedSecret) {
      const result = await db.query(
        `INSERT INTO totp_factors (user_id, sealed_secret) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET sealed_secret = EXCLUDED.sealed_secret, created_at = now(), last_used_step = NULL
         WHERE totp_factors.confirmed_at IS NULL`,
        [userId, sealedSecret],
      );
      return result.rowCount === 1;
    },
    async confirmTotp(userId, step) {
      await db.query('UPDATE totp_factors SET confirmed_at = now(), last_used_step = $2 WHERE user_id = $1 AND confirmed_at IS NULL', [userId, step]);
    },
    async useTotpStep(userId, step) {
      const result = await db.query(
        'UPDATE totp_factors SET last_used_step = $2 WHERE user_id = $1 AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2)',
        [userId, step],
      );
      return result.rowCount === 1;
    },
    async replaceRecoveryCodes(userId, digests) {
      await db.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
      await db.query('INSERT INTO recovery_codes (user_id, code_digest) SELECT $1, unnest($2::text[])', [userId, digests]);
    },
    async useRecoveryCode(userId, digest) {
      const result = await db.query('UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_digest = $2 AND used_at IS NULL', [userId, digest]);
      return result.rowCount === 1;
    },
    async removeSecondFactors(userId) {
      await db.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
      const result = await db.query('DELETE FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL', [userId]);
      return result.rowCount === 1;
    },
    async methodsOf(userId) {
      const { rows } = await db.query<{ totp: boolean; recovery: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL) AS totp,
                EXISTS (SELECT 1 FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL) AS recovery`,
        [userId],
      );
      const methods: SecondFactorMethod[] = [];
      if (rows[0]?.totp) methods.push('totp');
      if (rows[0]?.totp && rows[0].recovery) methods.push('recovery_code');
      return methods;
    },
  };
}
