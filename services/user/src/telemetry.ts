import { startTelemetry } from '@gatehouse/telemetry';

/**
 * OpenTelemetry, started by main.ts's first import: instrumentations patch http, express, pg,
 * ioredis and amqplib as they are first required, so nothing may load them before this runs.
 * Without OTEL_EXPORTER_OTLP_ENDPOINT it is off and loads nothing.
 */
export const telemetry = startTelemetry('user', process.env);
