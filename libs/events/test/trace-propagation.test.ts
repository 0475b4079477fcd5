import { randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { createPool, withTransaction } from '@gatehouse/db';
import { createLogger } from '@gatehouse/logger';
import { createTestDatabase, testInfrastructure, uniqueName, type TestDatabase } from '@gatehouse/testing';
import type { Pool } from 'pg';
import {
  createAmqpConnection,
  createEvent,
  createEventConsumer,
  createOutboxRelay,
  deleteConsumerQueue,
  insertOutboxEvent,
  outboxMigrationSql,
  outboxTraceContextMigrationSql,
  type AmqpConnection,
  type AnyEvent,
  type EventConsumer,
  type OutboxRelay,
} from '../src';
import { eventually, openBrokerProbe } from './broker-fixtures';

// Tracing as a service has it, minus the instrumentations: what crosses the outbox and the
// broker is then carried by this library alone.
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = trace.getTracer('test');
const exchange = uniqueName('traced_exchange');
const queue = uniqueName('traced_queue');
const logger = createLogger({ service: 'events-test', level: 'silent' });
let database: TestDatabase;
let pool: Pool;
let connection: AmqpConnection;
let relay: OutboxRelay;
let consumer: EventConsumer;
const handled: { event: AnyEvent; spanId: string | undefined; traceId: string | undefined }[] = [];

beforeAll(async () => {
  provider.register({ propagator: new W3CTraceContextPropagator() });
  database = await createTestDatabase('events_traced');
  pool = createPool({ url: database.url, applicationName: 'events-trace-test' });
  await pool.query(outboxMigrationSql);
  await pool.query(outboxTraceContextMigrationSql);
  connection = createAmqpConnection({ url: testInfrastructure().amqpUrl, logger, name: 'trace-test' });
  await connection.waitUntilConnected(5000);
  consumer = createEventConsumer({
    connection,
    exchange,
    queue,
    events: ['user.deleted'],
    logger,
    handler: async (event) => {
      const active = trace.getActiveSpan()?.spanContext();
      handled.push({ event, spanId: active?.spanId, traceId: active?.traceId });
    },
  });
  await consumer.start();
  relay = createOutboxRelay({ pool, connection, exchange, logger, pollIntervalMs: 60_000 });
  await relay.start();
});

afterAll(async () => {
  await relay.stop();
  await consumer.stop();
  const probe = await openBrokerProbe();
  await deleteConsumerQueue(probe.channel, queue, 5);
  await probe.close({ exchanges: [exchange] });
  await connection.close();
  await pool.end();
  await database.drop();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

async function commit(event: AnyEvent): Promise<void> {
  await withTransaction(pool, (client) => insertOutboxEvent(client, event));
}

const spanNamed = (name: string, traceId: string): ReadableSpan | undefined =>
  exporter.getFinishedSpans().find((s) => s.name === name && s.spanContext().traceId === traceId);

describe('trace context through the outbox and the broker', () => {
  it('when an event is written inside a trace, then the relay publishes it in that trace and the handling span is a child of the relay span', async () => {
    const event = createEvent('user.deleted', { userId: randomUUID() });
    const request = tracer.startSpan('request');
    await context.with(trace.setSpan(context.active(), request), () => commit(event));
    request.end();
    const { traceId, spanId } = request.spanContext();

    const { rows } = await pool.query<{ trace_context: Record<string, string> | null }>('SELECT trace_context FROM outbox WHERE event_id = $1', [event.id]);
    expect(rows[0]!.trace_context).toEqual({ traceparent: `00-${traceId}-${spanId}-01` });
    // The relay span ends once the broker confirms, which can come after the consumer's span ended.
    expect(await eventually(() => spanNamed(`${queue} handle`, traceId) !== undefined && spanNamed('outbox relay user.deleted', traceId) !== undefined)).toBe(
      true,
    );
    const relayed = spanNamed('outbox relay user.deleted', traceId)!;
    expect(relayed.parentSpanContext?.spanId).toBe(spanId);
    expect(relayed.attributes).toMatchObject({ 'messaging.message.id': event.id, 'gatehouse.event.name': 'user.deleted' });
    const handle = spanNamed(`${queue} handle`, traceId)!;
    expect(handle.parentSpanContext?.spanId).toBe(relayed.spanContext().spanId);
    expect(handle.attributes).toMatchObject({ 'gatehouse.event.name': 'user.deleted', 'gatehouse.event.outcome': 'handled', 'gatehouse.event.attempt': 1 });
    expect(handled.find((h) => h.event.id === event.id)).toMatchObject({ traceId, spanId: handle.spanContext().spanId });
  });

  it('when an event is written outside any trace, then no trace context is stored and its handling starts a trace of its own', async () => {
    const event = createEvent('user.deleted', { userId: randomUUID() });

    await commit(event);

    const { rows } = await pool.query<{ trace_context: unknown }>('SELECT trace_context FROM outbox WHERE event_id = $1', [event.id]);
    expect(rows[0]!.trace_context).toBeNull();
    expect(await eventually(() => handled.some((h) => h.event.id === event.id))).toBe(true);
    const { traceId } = handled.find((h) => h.event.id === event.id)!;
    // Both spans end a moment after the handler ran (the relay's once the broker confirms).
    expect(await eventually(() => spanNamed(`${queue} handle`, traceId!) !== undefined && spanNamed('outbox relay user.deleted', traceId!) !== undefined)).toBe(
      true,
    );
    const handle = spanNamed(`${queue} handle`, traceId!)!;
    expect(handle.parentSpanContext?.spanId).toBe(spanNamed('outbox relay user.deleted', traceId!)!.spanContext().spanId);
    expect(spanNamed('outbox relay user.deleted', traceId!)!.parentSpanContext).toBeUndefined();
  });
});
