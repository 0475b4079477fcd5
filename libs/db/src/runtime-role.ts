import type { PoolClient } from 'pg';
import { quoteIdentifier } from './database';
import { MIGRATIONS_TABLE } from './migrate';
import { withTransaction, type Connectable } from './transaction';

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

/** A migration marks a table append-only with `COMMENT ON TABLE … IS 'append-only…'`. */
const APPEND_ONLY_MARK = 'append-only%';

/** Tables marked append-only (an audit log) keep INSERT and SELECT only: no row can be changed or removed. */
async function keepAppendOnly(client: PoolClient, grantee: string, schema: string): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND obj_description(c.oid, 'pg_class') LIKE $2`,
    [schema, APPEND_ONLY_MARK],
  );
  for (const { name } of rows) {
    await client.query(`REVOKE UPDATE, DELETE, TRUNCATE ON TABLE ${quoteIdentifier(schema)}.${quoteIdentifier(name)} FROM ${grantee}`);
  }
}

/** A migration marks a table the runtime role must not touch at all with `COMMENT ON TABLE … IS 'owner-only…'`. */
const OWNER_ONLY_MARK = 'owner-only%';

/** Tables marked owner-only (settings that bound what the runtime may do) keep no right at all. */
async function keepOwnerOnly(client: PoolClient, grantee: string, schema: string): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND obj_description(c.oid, 'pg_class') LIKE $2`,
    [schema, OWNER_ONLY_MARK],
  );
  for (const { name } of rows) await client.query(`REVOKE ALL ON TABLE ${quoteIdentifier(schema)}.${quoteIdentifier(name)} FROM ${grantee}`);
}

/**
 * A migration marks a function the runtime role may call with `COMMENT ON FUNCTION … IS
 * 'runtime-executable…'`, after `REVOKE ALL ON FUNCTION … FROM PUBLIC`: PostgreSQL lets every
 * role execute a new function, so one that acts with its owner's rights (SECURITY DEFINER) must
 * name who may call it.
 */
const RUNTIME_EXECUTABLE_MARK = 'runtime-executable%';

async function grantMarkedFunctions(client: PoolClient, grantee: string, schema: string): Promise<void> {
  const { rows } = await client.query<{ signature: string }>(
    `SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS signature
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND obj_description(p.oid, 'pg_proc') LIKE $2`,
    [schema, RUNTIME_EXECUTABLE_MARK],
  );
  for (const { signature } of rows) await client.query(`GRANT EXECUTE ON FUNCTION ${signature} TO ${grantee}`);
}

/**
 * Grants `role` data rights on the tables and sequences of `schema`, now and (through default
 * privileges) on those later migrations create, except on the migrations table. Run as the role
 * that runs the migrations: default privileges apply to objects their grantor creates. CREATE on
 * the schema is revoked from PUBLIC, and the grant fails unless the runtime role is left unable
 * to create objects there. A migration's comment marks exceptions: tables marked append-only
 * keep INSERT and SELECT only, tables marked owner-only keep nothing, and functions marked
 * runtime-executable (revoked from PUBLIC by their migration) may be called by `role`.
 */
export async function grantDataRights(pool: Connectable, role: string, options: DataRightsOptions = {}): Promise<void> {
  const schema = options.schema ?? 'public';
  const grantee = quoteIdentifier(role);
  const on = quoteIdentifier(schema);
  const migrations = `${on}.${quoteIdentifier(options.migrationsTable ?? MIGRATIONS_TABLE)}`;
  await withTransaction(pool, async (client) => {
    await client.query(`REVOKE CREATE ON SCHEMA ${on} FROM PUBLIC`);
    await client.query(`GRANT USAGE ON SCHEMA ${on} TO ${grantee}`);
    await client.query(`GRANT ${TABLE_RIGHTS} ON ALL TABLES IN SCHEMA ${on} TO ${grantee}`);
    await client.query(`GRANT ${SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA ${on} TO ${grantee}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${on} GRANT ${TABLE_RIGHTS} ON TABLES TO ${grantee}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${on} GRANT ${SEQUENCE_RIGHTS} ON SEQUENCES TO ${grantee}`);
    // A service that could delete its rows would make the next migrate Job apply them again.
    await client.query(`REVOKE ALL ON TABLE ${migrations} FROM ${grantee}`);
    await keepAppendOnly(client, grantee, schema);
    await keepOwnerOnly(client, grantee, schema);
    await grantMarkedFunctions(client, grantee, schema);
    await refuseSchemaCreate(client, role, schema);
  });
}
