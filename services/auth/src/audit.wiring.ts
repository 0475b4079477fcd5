import type { RequestHandler, Router } from 'express';
import type { Pool } from 'pg';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import type { AccessTokenVerifier } from '@gatehouse/jwt';
import type { Logger } from '@gatehouse/logger';
import { periodicPrune } from '@gatehouse/events';
import type { AuthConfig } from './config';
import type { Clock, SessionStore } from './domain/auth.ports';
import type { AuditTrail } from './domain/audit.ports';
import { createAuditMetrics } from './audit-metrics';
import { createAuditLogStore, fitToColumns, type AuditRecord } from './store/audit-log.store';
import { createAuditWriter } from './store/audit-writer';
import { createAuditContext } from './http/audit-context';
import { auditRoutes } from './http/audit.routes';

export interface AuditDeps {
  readonly pool: Pool;
  readonly registry: Registry;
  readonly verifier: AccessTokenVerifier;
  readonly sessions: Pick<SessionStore, 'exists'>;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface AuditLog {
  readonly trail: AuditTrail;
  /** Mount before the routes whose use cases record: it carries each request's facts to the trail. */
  readonly context: RequestHandler;
  readonly routes: Router;
  /** Writes what is buffered now (tests, and shutdown). */
  flush(): Promise<void>;
  /** Deletes records past retention now; resolves with how many went. */
  prune(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

/** One INSERT per this many records; far below PostgreSQL's 65,535 parameters at 11 a row. */
const BATCH_SIZE = 200;
/** A record reaches the table within this long of happening. */
const FLUSH_INTERVAL_MS = 1000;
/** Records held while PostgreSQL is down: some megabytes at most. */
const MAX_BUFFERED = 20_000;
/** Retention runs hourly: records live at most an hour past AUDIT_RETENTION_DAYS. */
const PRUNE_INTERVAL_MS = 3_600_000;
const PRUNE_BATCH = 1000;

/** The trace the record belongs to, when one is being recorded. */
function activeTraceId(): string | null {
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? span.traceId : null;
}

/**
 * The audit log, wired: a trail that use cases append to in memory, a batching writer behind it
 * (no round trip on any request path), the admins' query route and the retention prune.
 */
export function composeAuditLog(config: Readonly<Pick<AuthConfig, 'AUDIT_RETENTION_DAYS'>>, deps: AuditDeps): AuditLog {
  const store = createAuditLogStore(deps.pool);
  // Read at each scrape, by which time the writer below exists.
  const metrics = createAuditMetrics(deps.registry, () => writer.buffered);
  const writer = createAuditWriter<AuditRecord>({
    sink: (batch) => store.insertMany(batch),
    logger: deps.logger,
    batchSize: BATCH_SIZE,
    flushIntervalMs: FLUSH_INTERVAL_MS,
    maxBuffered: MAX_BUFFERED,
    onDropped: (count, reason) => metrics.dropped(count, reason),
    onWriteFailure: (kind) => metrics.writeFailed(kind),
  });
  const context = createAuditContext();
  const pruner = periodicPrune({
    logger: deps.logger,
    table: 'audit_log',
    intervalMs: PRUNE_INTERVAL_MS,
    batchSize: PRUNE_BATCH,
    deleteBatch: (limit) => store.prune(config.AUDIT_RETENTION_DAYS, limit),
  });
  return {
    trail: {
      // Clipped to the columns here, so a value the table would refuse never reaches a batch.
      record: (entry) => writer.append(fitToColumns({ ...entry, at: new Date(deps.clock()), ...context.current(), traceId: activeTraceId() })),
    },
    context: context.middleware,
    routes: auditRoutes({ log: store, verifier: deps.verifier, sessions: deps.sessions }),
    flush: () => writer.flush(),
    prune: () => pruner.prune(),
    start() {
      writer.start();
      pruner.start();
    },
    async stop() {
      await pruner.stop();
      await writer.stop();
    },
  };
}
