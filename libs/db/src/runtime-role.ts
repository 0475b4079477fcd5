import type { Pool, PoolClient } from 'pg';
import { quoteIdentifier } from './database';
import { MIGRATIONS_TABLE } from './migrate';

/** Read and write rows, use sequences: everything a service does at run time, and no DDL. */
const TABLE_RIGHTS = 'SELECT, INSERT, UPDATE, DELETE';
const SEQUENCE_RIGHTS = 'USAGE, SELECT';

export interface DataRightsOptions {
  readonly schema?: string;
  /** The table `migrate` records applied migrations in: the runtime role gets no right on it. */
  readonly migrationsTable?: string;
}

/**
 * REVOKE … FROM PUBLIC by a role that does not own the schema only warns, so check the outcome.
 * PostgreSQL 14 and older (and databases upgraded from them) let PUBLIC create in `public`.
 */
async function refuseSchemaCreate(client: PoolClient, role: string, schema: string): Promise<void> {
  const { rows } = await client.query<{ allowed: boolean; migrator: string }>(
    "SELECT has_schema_privilege($1, $2, 'CREATE') AS allowed, current_user AS migrator",
    [role, schema],
  );
  const { allowed, migrator } = rows[0]!;
  if (!allowed) return;
  if (migrator === role) throw new Error(`The runtime role ${role} is the role that runs the migrations: the services must log in as another role.`);
  const on = quoteIdentifier(schema);
  throw new Error(
    `The runtime role ${role} can still create objects in schema ${schema}: REVOKE CREATE ON SCHEMA ${on} FROM PUBLIC ` +
      `takes effect only when the schema's owner runs it, and ${migrator} does not own it. As an administrator, run ` +
      `ALTER SCHEMA ${on} OWNER TO ${quoteIdentifier(migrator)}; in this database (and REVOKE CREATE ON SCHEMA ${on} ` +
      `FROM ${quoteIdentifier(role)}; if it was granted directly), then run the migration again.`,
  );
}

/**
 * Grants `role` data rights on the tables and sequences of `schema`, now and (through default
 * privileges) on those later migrations create, except on the migrations table. Run as the role
 * that runs the migrations: default privileges apply to objects their grantor creates. CREATE on
 * the schema is revoked from PUBLIC, and the grant fails unless the runtime role is left unable
 * to create objects there.
 */
export async function grantDataRights(pool: Pool, role: string, options: DataRightsOptions = {}): Promise<void> {
  const schema = options.schema ?? 'public';
  const grantee = quoteIdentifier(role);
  const on = quoteIdentifier(schema);
  const migrations = `${on}.${quoteIdentifier(options.migrationsTable ?? MIGRATIONS_TABLE)}`;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`REVOKE CREATE ON SCHEMA ${on} FROM PUBLIC`);
    await client.query(`GRANT USAGE ON SCHEMA ${on} TO ${grantee}`);
    await client.query(`GRANT ${TABLE_RIGHTS} ON ALL TABLES IN SCHEMA ${on} TO ${grantee}`);
    await client.query(`GRANT ${SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA ${on} TO ${grantee}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${on} GRANT ${TABLE_RIGHTS} ON TABLES TO ${grantee}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${on} GRANT ${SEQUENCE_RIGHTS} ON SEQUENCES TO ${grantee}`);
    // A service that could delete its rows would make the next migrate Job apply them again.
    await client.query(`REVOKE ALL ON TABLE ${migrations} FROM ${grantee}`);
    await refuseSchemaCreate(client, role, schema);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
