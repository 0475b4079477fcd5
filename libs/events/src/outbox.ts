import type { ClientBase } from 'pg';
import { validateEvent, type AnyEvent } from './event-contracts';
import { currentTraceCarrier } from './trace-context';

/** The channel the outbox trigger notifies on; relays LISTEN to it. */
export const OUTBOX_CHANNEL = 'gatehouse_outbox';

/**
 * Schema of the transactional outbox. Services copy it verbatim into a numbered file of their
 * own migrations (a migration must never change after it ran, so it is not read from here at
 * boot); a component test compares the copy with this text.
 */
export const outboxMigrationSql = `CREATE TABLE outbox (
  position     bigserial PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE,
  name         text NOT NULL,
  envelope     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);

-- Relays scan only what is still pending, oldest first.
CREATE INDEX outbox_pending_idx ON outbox (position) WHERE published_at IS NULL;

-- Wakes the relays at commit, so an event leaves within milliseconds instead of a poll interval.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${OUTBOX_CHANNEL}', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
`;

/**
 * The outbox's second migration, copied like the first: the W3C trace context (`traceparent`,
 * `tracestate`) of the operation that wrote the event, which the relay publishes it in. Null
 * when tracing was off. Kept out of the envelope: it describes the delivery, not the event,
 * and consumers validate envelopes strictly.
 */
export const outboxTraceContextMigrationSql = `ALTER TABLE outbox ADD COLUMN trace_context jsonb;
`;

/**
 * Writes `event` to the outbox with `client`, which must be inside the transaction that makes
 * the change the event announces: both commit, or neither does. The current trace context is
 * stored with it, so the event's delivery and handling join the trace that caused it.
 */
export async function insertOutboxEvent(client: ClientBase, event: AnyEvent): Promise<void> {
  const valid = validateEvent(event);
  const trace = currentTraceCarrier();
  await client.query('INSERT INTO outbox (event_id, name, envelope, trace_context) VALUES ($1, $2, $3, $4)', [
    valid.id,
    valid.name,
    JSON.stringify(valid),
    trace && JSON.stringify(trace),
  ]);
}
