import type { IncomingMessage } from 'node:http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { redactedIncomingQuery, redactedOutgoingUrl } from './url-redaction';

/** Probes and scrapes, every few seconds from the kubelet and Prometheus: a trace each would be noise. */
const MANAGEMENT_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

function isManagementRequest(request: IncomingMessage): boolean {
  const url = request.url ?? '';
  const mark = url.indexOf('?');
  return MANAGEMENT_PATHS.has(mark === -1 ? url : url.slice(0, mark));
}

/**
 * The instrumentations, configured so that no secret reaches a span: HTTP headers are not
 * recorded (the default: no `headersToSpanAttributes`), query values are redacted, SQL is
 * recorded with its placeholders but never its parameter values, a Redis command by its name
 * alone (its arguments can be token hashes and session data), and messages without their
 * payload (amqplib records routing key, message id and correlation id only).
 *
 * Database, cache and outgoing HTTP spans need a parent: background work (outbox polling,
 * pruning, key refreshes) leaves no traces of its own, while everything a request or a message
 * causes is in its trace.
 */
export function createInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: isManagementRequest,
      requireParentforOutgoingSpans: true,
      startIncomingSpanHook: redactedIncomingQuery,
      startOutgoingSpanHook: redactedOutgoingUrl,
    }),
    // Express only names the server span by its route (`POST /api/auth/register`, `http.route`):
    // a span per middleware, router and handler would double the cost of tracing a request.
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER, ExpressLayerType.REQUEST_HANDLER] }),
    // Queries, not pool checkouts: a wait for a connection shows as the gap before its query.
    new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true, ignoreConnectSpans: true }),
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    new AmqplibInstrumentation(),
  ];
}
