import { Counter, Gauge, type Registry } from 'prom-client';
import type { AuditDropReason, AuditWriteFailure } from './store/audit-writer';

/** What the audit writer reports, as Prometheus series (k8s alert GatehouseAuditTrailStalled). */
export interface AuditMetrics {
  dropped(count: number, reason: AuditDropReason): void;
  writeFailed(kind: AuditWriteFailure): void;
}

const DROP_REASONS: readonly AuditDropReason[] = ['buffer_full', 'shutdown', 'rejected'];
const FAILURE_KINDS: readonly AuditWriteFailure[] = ['transient', 'rejected'];

/**
 * Registers the audit writer's metrics; `buffered` is read at each scrape. Every label value
 * starts at 0, so `increase()` sees the first loss rather than a series appearing at 1.
 */
export function createAuditMetrics(registry: Registry, buffered: () => number): AuditMetrics {
  new Gauge({
    name: 'gatehouse_audit_buffered_records',
    help: 'Audit records waiting in memory for PostgreSQL; growing means the trail is not being written',
    registers: [registry],
    collect() {
      this.set(buffered());
    },
  });
  const dropped = new Counter({
    name: 'gatehouse_audit_records_dropped_total',
    help: 'Audit records lost (each is written to the error log): buffer_full while PostgreSQL was down, shutdown, or rejected by the table',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'gatehouse_audit_write_failures_total',
    help: 'Failed audit writes: transient (the batch stays buffered and is retried) or rejected (one record the table refused)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  for (const reason of DROP_REASONS) dropped.inc({ reason }, 0);
  for (const kind of FAILURE_KINDS) failures.inc({ kind }, 0);
  return {
    dropped: (count, reason) => dropped.inc({ reason }, count),
    writeFailed: (kind) => failures.inc({ kind }),
  };
}
