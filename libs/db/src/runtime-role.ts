import type { Pool } from 'pg';
import { quoteIdentifier } from './database';

/** Read and write rows, use sequences: everything a service does at run time, and no DDL. */
const TABLE_RIGHTS = 'SELECT, INSERT, UPDATE, DELETE';
const SEQUENCE_RIGHTS = 'USAGE, SELECT';

/**
 * Grants `role` data rights on the tables and sequences of `schema`, now and (through default
 * privileges) on those later migrations create. Run as the role that runs the migrations: default
 * privileges apply to objects their grantor creates. CREATE on the schema is revoked from PUBLIC,
 * which PostgreSQL before 15 grants, so the runtime role cannot create tables either way.
 */
export async function grantDataRights(pool: Pool, role: string, schema = 'public'): Promise<void> {
  const grantee = quoteIdentifier(role);
  const on = quoteIdentifier(schema);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`REVOKE CREATE ON SCHEMA ${on} FROM PUBLIC`);
    await client.query(`GRANT USAGE ON SCHEMA ${on} TO ${grantee}`);
    await client.query(`GRANT ${TABLE_RIGHTS} ON ALL TABLES IN SCHEMA ${on} TO ${grantee}`);
    await client.query(`GRANT ${SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA ${on} TO ${grantee}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${on} GRANT ${TABLE_RIGHTS} ON TABLES TO ${grantee}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${on} GRANT ${SEQUENCE_RIGHTS} ON SEQUENCES TO ${grantee}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
