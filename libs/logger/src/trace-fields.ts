import { context, isSpanContextValid, trace } from '@opentelemetry/api';

/** What a log line written inside a traced operation carries, to find its trace from the line. */
export interface TraceFields {
  readonly trace_id?: string;
  readonly span_id?: string;
}

/**
 * The ids of the active span, or nothing outside a trace (and always nothing while tracing is
 * off). A new object each call: pino merges the line's own fields into what a mixin returns.
 */
export function activeTraceFields(): TraceFields {
  const span = trace.getSpanContext(context.active());
  return span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}
