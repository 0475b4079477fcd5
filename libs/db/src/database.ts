import { Client, Pool, type PoolConfig } from 'pg';

const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';

/** A name as a double-quoted SQL identifier, for the statements that take no parameters. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The database name in a connection URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`The database URL names no database: ${redactUrl(url)}`);
  return name;
}

/** The URL with the password hidden, for log lines and error messages. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** The same server, another database. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

/**
 * Creates the database named in `url` when it does not exist. Two replicas may race here:
 * losing the race is fine.
 */
export async function ensureDatabase(url: string, template?: string): Promise<void> {
  const name = databaseName(url);
  const admin = new Client({ connectionString: withDatabase(url, 'postgres') });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return;
    const from = template ? ` TEMPLATE ${quoteIdentifier(template)}` : '';
    await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}${from}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== DUPLICATE_DATABASE && code !== UNIQUE_VIOLATION) throw error;
  } finally {
    await admin.end();
  }
}

/** Drops a database, ending other sessions on it first (tests only). */
export async function dropDatabase(url: string): Promise<void> {
  const admin = new Client({ connectionString: withDatabase(url, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName(url))} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export interface PoolOptions {
  readonly url: string;
  readonly max?: number;
  readonly applicationName: string;
  /** Told when an idle connection dies (server restart, failover, terminated backend). */
  readonly onIdleError?: (error: Error) => void;
}

/**
 * A pool with bounded waits, so a stuck database surfaces as errors rather than hangs: for a
 * connection (`connectionTimeoutMillis`), for a statement the server runs too long
 * (`statement_timeout`), and for a server that stops answering altogether (`query_timeout`).
 */
export function createPool(options: PoolOptions): Pool {
  const config: PoolConfig = {
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 10_000,
    // statement_timeout is enforced by the server, so it cannot end a wait on a server that is
    // hung or cut off by the network without a reset: only the client can. Longer than
    // statement_timeout, so a slow query still fails with the server's own error.
    query_timeout: 15_000,
  };
  const pool = new Pool(config);
  // An idle client killed by the server makes the pool emit 'error'; without a listener that
  // would crash the process. The pool drops the dead client and opens a new one when needed.
  pool.on('error', (error) => options.onIdleError?.(error));
  // A client checked out for a transaction can lose its connection between two queries (while
  // the transaction awaits Redis, say). pg then emits 'error' on the client, and with no listener
  // that would crash the process; the next query on it fails instead, and that error is handled.
  pool.on('connect', (client) => client.on('error', (error) => options.onIdleError?.(error)));
  return pool;
}

/** A migration may rewrite a large table or build an index: by default nothing cuts it short. */
export const DEFAULT_MIGRATION_STATEMENT_TIMEOUT_MS = 0;
/**
 * DDL waits for its table lock behind every running transaction, and every query on that table
 * queues behind the waiting DDL: giving up soon keeps a busy table from stalling the service.
 */
export const DEFAULT_MIGRATION_LOCK_TIMEOUT_MS = 10_000;

export interface MigrationPoolOptions {
  readonly url: string;
  readonly applicationName: string;
  /** Per statement; 0 means none. */
  readonly statementTimeoutMs?: number;
  /** How long a statement waits for a lock; 0 means for ever. */
  readonly lockTimeoutMs?: number;
}

/**
 * One connection for a migrate-only process, without the runtime pool's limits: no
 * `query_timeout` (the client cannot tell a slow migration from a dead server, and would abandon
 * it mid-way) and `statement_timeout` 0 unless configured. `migrate` lifts both limits while it
 * waits for the migration lock, so a second Job waits for the first however long it takes.
 */
export function createMigrationPool(options: MigrationPoolOptions): Pool {
  const statementTimeout = options.statementTimeoutMs ?? DEFAULT_MIGRATION_STATEMENT_TIMEOUT_MS;
  const lockTimeout = options.lockTimeoutMs ?? DEFAULT_MIGRATION_LOCK_TIMEOUT_MS;
  const pool = new Pool({
    connectionString: options.url,
    max: 1,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5_000,
    // As startup options, 0 included: pg leaves out a zero statement_timeout, which would let a
    // role's or database's default apply instead of "none".
    options: `-c statement_timeout=${statementTimeout} -c lock_timeout=${lockTimeout}`,
  });
  // As in createPool: a connection the server ends while idle (even one `end()` is still
  // closing) must not crash the process; the pool drops it, and a query in flight fails itself.
  pool.on('error', () => undefined);
  return pool;
}
