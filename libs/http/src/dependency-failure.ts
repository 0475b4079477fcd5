/**
 * Node's socket and DNS error codes (`error.code`) for a server that cannot be reached or
 * dropped the connection. pg rejects queries with them as they are; ioredis reports them as
 * 'error' events and rejects commands with the messages below.
 */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', // nothing listens: the server is down or restarting
  'ECONNRESET', // an open connection was aborted (crashed host, load balancer, NAT)
  'EPIPE', // written to a connection the server had already closed
  'ETIMEDOUT', // connect timed out (also ioredis's own connectTimeout)
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND', // the server's name no longer resolves (its DNS record is gone)
  'EAI_AGAIN', // DNS did not answer in time
]);

/**
 * PostgreSQL SQLSTATEs (pg's DatabaseError `code`) for a session the server ended or would not
 * start. Five characters, so they never collide with Node's E… codes.
 */
const SERVER_GOING_AWAY_SQLSTATES: ReadonlySet<string> = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, or a fast shutdown
  '57P02', // crash_shutdown: another backend crashed and the server is resetting
  '57P03', // cannot_connect_now: the server is starting up or in recovery
]);
/** SQLSTATE class 08, connection_exception. */
const CONNECTION_EXCEPTION_CLASS = '08';

/**
 * Errors the clients raise with nothing but a message. Each text is a constant in the client's
 * source, so matching it exactly is stable for the versions we run.
 */
const DEPENDENCY_FAILURE_MESSAGES: ReadonlySet<string> = new Set([
  // pg: the socket closed under an open (or opening) connection.
  'Connection terminated unexpectedly',
  // pg-pool: a new connection did not complete within connectionTimeoutMillis (hung server).
  'Connection terminated due to connection timeout',
  // pg-pool: no pooled connection became free within connectionTimeoutMillis.
  'timeout exceeded when trying to connect',
  // pg: a later query (typically ROLLBACK) on a client whose connection had died.
  'Client has encountered a connection error and is not queryable',
  // pg: query_timeout passed with no answer from the server.
  'Query read timeout',
  // ioredis without an offline queue: a command sent while disconnected or reconnecting.
  "Stream isn't writeable and enableOfflineQueue options is false",
  // ioredis: a command after the client gave up reconnecting or was closed.
  'Connection is closed.',
  // ioredis with commandTimeout: no reply in time.
  'Command timed out',
  // ioredis Cluster without an offline queue: a command before the slots are known, or between reconnects.
  "Cluster isn't ready and enableOfflineQueue options is false",
  // ioredis Cluster: the client was closed or gave up.
  'Cluster is disconnected.',
  // ioredis Cluster: no startup node answered when the client (re)connected.
  'None of startup nodes is available',
]);

/** ioredis Cluster: every node failed the command, or slots kept moving (a resharding or failover). */
const REDIS_CLUSTER_FAILURE = /^Too many Cluster redirections\. Last error: /;
const CLUSTER_ALL_FAILED_ERROR_NAME = 'ClusterAllFailedError';

/**
 * Redis error replies (ioredis `ReplyError`, message = the reply) that mean the server cannot serve
 * right now, not that the command was wrong: a replica or a restart still loading, a failover in
 * progress, memory full, a script running too long, a cluster slot moving.
 */
const REDIS_UNAVAILABLE_REPLY = /^(LOADING|READONLY|OOM|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN) /;

/** ioredis flushes in-flight commands with this error after maxRetriesPerRequest reconnects. */
const MAX_RETRIES_ERROR_NAME = 'MaxRetriesPerRequestError';

/** A wrapper's `cause` is followed this far; deep enough for real wrapping, safe on cycles. */
const MAX_CAUSE_DEPTH = 5;

interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
}

function isDependencyFailureItself(error: ErrorShape): boolean {
  if (typeof error.code === 'string') {
    if (NETWORK_ERROR_CODES.has(error.code)) return true;
    if (SERVER_GOING_AWAY_SQLSTATES.has(error.code)) return true;
    if (error.code.length === 5 && error.code.startsWith(CONNECTION_EXCEPTION_CLASS)) return true;
  }
  if (error.name === MAX_RETRIES_ERROR_NAME || error.name === CLUSTER_ALL_FAILED_ERROR_NAME) return true;
  if (typeof error.message !== 'string') return false;
  if (error.name === 'ReplyError' && REDIS_UNAVAILABLE_REPLY.test(error.message)) return true;
  if (REDIS_CLUSTER_FAILURE.test(error.message)) return true;
  return DEPENDENCY_FAILURE_MESSAGES.has(error.message);
}

/**
 * Whether `error` means PostgreSQL or Redis could not be reached or dropped the connection, so
 * the request may succeed if retried shortly, rather than a bug or a rejected statement. Checks
 * shape rather than `instanceof`: errors from `net` and from the clients may come from another
 * realm (Jest's sandbox), and this package depends on neither client.
 */
export function isDependencyFailure(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH; depth += 1) {
    if (typeof current !== 'object' || current === null) return false;
    if (isDependencyFailureItself(current as ErrorShape)) return true;
    current = (current as ErrorShape).cause;
  }
  return false;
}
