import { context, propagation, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';

/** W3C trace context as text fields: `traceparent` and, when present, `tracestate`. */
export type TraceCarrier = Record<string, string>;

/** The tracer of the event plumbing; a no-op until a tracer provider is registered. */
export const eventsTracer = trace.getTracer('@gatehouse/events');

/**
 * The trace context of the current operation, to store with an event written now; null when
 * nothing is traced (tracing off: the propagator is a no-op and this costs next to nothing).
 */
export function currentTraceCarrier(): TraceCarrier | null {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length > 0 ? carrier : null;
}

/** The context a stored carrier describes, to continue its trace; the empty root without one. */
export function contextFromCarrier(carrier: Readonly<Record<string, unknown>> | null | undefined): Context {
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
}

/** Writes the current trace context into message headers (amqplib's instrumentation, when on, writes its own span over it). */
export function injectTraceHeaders(headers: Record<string, unknown>): void {
  propagation.inject(context.active(), headers);
}
