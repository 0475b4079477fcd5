import type { Pool } from 'pg';
import { withTransaction } from '@gatehouse/db';
import type { AuditAction, AuditEntry } from '../domain/audit.ports';

/** A record as stored: the domain's entry and what the request and trace add. */
export interface AuditRecord extends AuditEntry {
  readonly at: Date;
  /** The client's network (`192.0.2.0/24`, `2001:db8:1::/48`), never the full address. */
  readonly clientPrefix: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
  readonly traceId: string | null;
}

export interface StoredAuditRecord extends AuditRecord {
  /** Increasing with insertion: the cursor of the admin query. */
  readonly id: string;
}

export interface AuditQuery {
  readonly subject?: string;
  readonly action?: AuditAction;
  /** Only records older (smaller id) than this one. */
  readonly before?: string;
  readonly limit: number;
}

export interface AuditLogStore {
  /** One INSERT, committed in id order with every other replica's (see AUDIT_APPEND_LOCK). */
  insertMany(records: readonly AuditRecord[]): Promise<void>;
  /** Newest first. */
  find(query: AuditQuery): Promise<StoredAuditRecord[]>;
  /**
   * Deletes at most `limit` records older than `retentionDays`, through the table owner's
   * function, which refuses a retention below the floor kept in `audit_log_settings`.
   */
  prune(retentionDays: number, limit: number): Promise<number>;
}

/**
 * Held from the INSERT to its COMMIT, so ids become visible in increasing order across replicas:
 * a reader following `id > last seen` never skips a record committed after a larger id. Each
 * replica inserts a batch of up to 200 records a second or so (more only under bursts), so the
 * wait is short. The ASCII of `gateaudt`: far
 * outside the 32-bit keys of the migration lock.
 */
export const AUDIT_APPEND_LOCK = '7449020452839957620';

/** The column limits of migrations/0008_audit_log.sql: a value past them would fail its whole batch. */
const ID_MAX = 64;
const USER_AGENT_MAX = 256;
const REQUEST_ID_MAX = 128;
const REASON = /^[a-z][a-z0-9_.]{0,63}$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
/** Stands for a reason the column would refuse: the record still says that something failed. */
const INVALID_REASON = 'invalid_reason';

/** Cut to `max` characters (as PostgreSQL counts them); NUL, which text cannot hold, removed. */
function clip<T extends string | null | undefined>(value: T, max: number): T {
  if (typeof value !== 'string') return value;
  const clean = value.replace(/\0/g, '');
  return (clean.length <= max ? clean : [...clean].slice(0, max).join('')) as T;
}

/** The record with every field inside its column's limit, so the table takes it. */
export function fitToColumns(record: AuditRecord): AuditRecord {
  const { actor, subject, reason, userAgent, requestId, traceId } = record;
  return {
    ...record,
    ...(actor ? { actor: { kind: actor.kind, id: clip(actor.id, ID_MAX) } } : {}),
    ...(subject !== undefined ? { subject: clip(subject, ID_MAX) } : {}),
    ...(reason !== undefined ? { reason: REASON.test(reason) ? reason : INVALID_REASON } : {}),
    userAgent: clip(userAgent, USER_AGENT_MAX),
    requestId: clip(requestId, REQUEST_ID_MAX),
    traceId: traceId !== null && TRACE_ID.test(traceId) ? traceId : null,
  };
}

/** Columns of one record, in INSERT order. */
const COLUMNS = ['occurred_at', 'action', 'outcome', 'actor_kind', 'actor_id', 'subject', 'client_prefix', 'user_agent', 'request_id', 'trace_id', 'reason'];

const values = (r: AuditRecord) => [
  r.at,
  r.action,
  r.outcome,
  r.actor?.kind ?? null,
  r.actor?.id ?? null,
  r.subject ?? null,
  r.clientPrefix,
  r.userAgent,
  r.requestId,
  r.traceId,
  r.reason ?? null,
];

interface Row {
  id: string;
  occurred_at: Date;
  action: AuditAction;
  outcome: 'success' | 'failure';
  actor_kind: 'user' | 'admin' | 'client' | null;
  actor_id: string | null;
  subject: string | null;
  client_prefix: string | null;
  user_agent: string | null;
  request_id: string | null;
  trace_id: string | null;
  reason: string | null;
}

const fromRow = (row: Row): StoredAuditRecord => ({
  id: row.id,
  at: row.occurred_at,
  action: row.action,
  outcome: row.outcome,
  actor: row.actor_kind && row.actor_id ? { kind: row.actor_kind, id: row.actor_id } : null,
  subject: row.subject,
  clientPrefix: row.client_prefix,
  userAgent: row.user_agent,
  requestId: row.request_id,
  traceId: row.trace_id,
  ...(row.reason ? { reason: row.reason } : {}),
});

export function createAuditLogStore(pool: Pool): AuditLogStore {
  return {
    async insertMany(records) {
      if (records.length === 0) return;
      const params = records.flatMap(values);
      const tuples = records.map((_, row) => `(${COLUMNS.map((_, col) => `$${row * COLUMNS.length + col + 1}`).join(', ')})`);
      await withTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_APPEND_LOCK]);
        await client.query(`INSERT INTO audit_log (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params);
      });
    },
    async find(query) {
      const { rows } = await pool.query<Row>(
        `SELECT id::text, occurred_at, action, outcome, actor_kind, actor_id, subject, client_prefix::text, user_agent, request_id, trace_id, reason
           FROM audit_log
          WHERE ($1::text IS NULL OR subject = $1) AND ($2::text IS NULL OR action = $2) AND ($3::bigint IS NULL OR id < $3)
          ORDER BY id DESC
          LIMIT $4`,
        [query.subject ?? null, query.action ?? null, query.before ?? null, query.limit],
      );
      return rows.map(fromRow);
    },
    async prune(retentionDays, limit) {
      const { rows } = await pool.query<{ deleted: number }>('SELECT prune_audit_log($1, $2) AS deleted', [retentionDays, limit]);
      return rows[0]!.deleted;
    },
  };
}
