import type { ClientBase, Pool } from 'pg';
import { AppError } from '@gatehouse/errors';
import type { Credential, CredentialStore, NewCredential, Role } from '../domain/auth.ports';

interface CredentialRow {
  id: string;
  email: string;
  name: string | null;
  password_hash: string;
  roles: Role[];
  email_verified: boolean;
  created_at: Date;
}

const COLUMNS = 'id, email, name, password_hash, roles, email_verified, created_at';
const UNIQUE_VIOLATION = '23505';

function toCredential(row: CredentialRow): Credential {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    roles: row.roles,
    emailVerified: row.email_verified,
    createdAt: row.created_at,
  };
}

const INSERT = `INSERT INTO credentials (id, email, name, password_hash, roles, email_verified)
  VALUES ($1, $2, $3, $4, $5, $6)`;

function values(c: NewCredential): unknown[] {
  return [c.id, c.email, c.name, c.passwordHash, c.roles, c.emailVerified];
}

type Queryable = Pick<ClientBase, 'query'>;

export async function insertCredential(db: Queryable, credential: NewCredential): Promise<Credential> {
  try {
    const { rows } = await db.query<CredentialRow>(`${INSERT} RETURNING ${COLUMNS}`, values(credential));
    return toCredential(rows[0]!);
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
      throw new AppError('email_taken', 'An account with this email already exists.', { cause: error });
    }
    throw error;
  }
}

export async function selectCredentialByEmail(db: Queryable, email: string): Promise<Credential | undefined> {
  const { rows } = await db.query<CredentialRow>(`SELECT ${COLUMNS} FROM credentials WHERE email = $1`, [email]);
  return rows[0] ? toCredential(rows[0]) : undefined;
}

export async function selectCredentialById(db: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<Credential | undefined> {
  const { rows } = await db.query<CredentialRow>(`SELECT ${COLUMNS} FROM credentials WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? toCredential(rows[0]) : undefined;
}

export function createCredentialStore(pool: Pool): CredentialStore {
  return {
    create: (credential) => insertCredential(pool, credential),
    async createIfAbsent(credential) {
      const result = await pool.query(`${INSERT} ON CONFLICT (email) DO NOTHING`, values(credential));
      return result.rowCount === 1;
    },
    findByEmail: (email) => selectCredentialByEmail(pool, email),
    async exists(userId) {
      return ((await pool.query('SELECT 1 FROM credentials WHERE id = $1', [userId])).rowCount ?? 0) > 0;
    },
  };
}
