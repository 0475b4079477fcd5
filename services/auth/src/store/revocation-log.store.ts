import type { Pool } from 'pg';

/** Revocations of the last few minutes, as verifiers need them when they (re)connect. */
export interface RecentRevocations {
  /** Sessions ended, with when (ms since the epoch). */
  readonly sessions: ReadonlyArray<{ readonly id: string; readonly at: number }>;
  /** Users whose every token must be refused (deleted accounts). */
  readonly users: ReadonlyArray<{ readonly id: string; readonly at: number }>;
  /** Deleted OAuth clients. */
  readonly clients: ReadonlyArray<{ readonly id: string; readonly at: number }>;
}

interface Row {
  readonly name: 'session.revoked' | 'client.deleted';
  readonly payload: { userId?: string; sessionIds?: string[]; reason?: string; clientId?: string };
  readonly at: Date;
}

/**
 * Reads revocations back from the outbox, which keeps every event for OUTBOX_RETENTION_SECONDS:
 * the broker only tells verifiers that are connected, so one that starts, restarts or
 * reconnects asks here for what it missed. Only ids leave: no payload field that could hold
 * a secret is selected.
 */
export function createRevocationLog(pool: Pool) {
  return {
    async since(windowSeconds: number): Promise<RecentRevocations> {
      const { rows } = await pool.query<Row>(
        `SELECT name,
                jsonb_build_object('userId', envelope->'payload'->'userId', 'sessionIds', envelope->'payload'->'sessionIds',
                                   'reason', envelope->'payload'->'reason', 'clientId', envelope->'payload'->'clientId') AS payload,
                created_at AS at
           FROM outbox
          WHERE name IN ('session.revoked', 'client.deleted') AND created_at > now() - make_interval(secs => $1)
          ORDER BY position`,
        [windowSeconds],
      );
      const sessions: { id: string; at: number }[] = [];
      const users: { id: string; at: number }[] = [];
      const clients: { id: string; at: number }[] = [];
      for (const row of rows) {
        const at = row.at.getTime();
        if (row.name === 'client.deleted' && row.payload.clientId) clients.push({ id: row.payload.clientId, at });
        if (row.name !== 'session.revoked') continue;
        for (const id of row.payload.sessionIds ?? []) sessions.push({ id, at });
        if (row.payload.reason === 'user_deleted' && row.payload.userId) users.push({ id: row.payload.userId, at });
      }
      return { sessions, users, clients };
    },
  };
}

export type RevocationLog = ReturnType<typeof createRevocationLog>;
