import type * as Tracing from './tracing';

/** The `OTEL_*` variables of the process, as `process.env` holds them. */
export type TelemetryEnv = Readonly<Record<string, string | undefined>>;

/** What `startTelemetry` started, for the logger and for shutdown. */
export interface Telemetry {
  /** Whether spans are recorded and exported: an OTLP endpoint is configured. */
  readonly enabled: boolean;
  /** Exports the spans still buffered and stops tracing; call it last at shutdown. */
  shutdown(): Promise<void>;
}

const OFF: Telemetry = Object.freeze({ enabled: false, shutdown: async () => undefined });

const isSet = (value: string | undefined): boolean => value !== undefined && value.trim() !== '';

/**
 * Tracing is on when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`, or the
 * traces-only `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), unless `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none` turns it off.
 */
export function tracingEnabled(env: TelemetryEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return isSet(env.OTEL_EXPORTER_OTLP_ENDPOINT) || isSet(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts OpenTelemetry tracing for the process `serviceName` (the default `service.name`;
 * `OTEL_SERVICE_NAME` overrides it) when `env` configures an endpoint. It must run before
 * express, pg, ioredis and amqplib are first required: their instrumentations patch them as
 * they load. Without an endpoint it returns at once, having loaded no SDK module and patched
 * nothing, so tracing off costs nothing.
 */
export function startTelemetry(serviceName: string, env: TelemetryEnv): Telemetry {
  if (!tracingEnabled(env)) return OFF;
  // Loaded here, not imported above: with tracing off, the SDK is never read from disk.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./tracing') as typeof Tracing;
  return startTracing(serviceName, env);
}
