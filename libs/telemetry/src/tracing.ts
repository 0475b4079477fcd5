import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type * as OtlpHttpJson from '@opentelemetry/exporter-trace-otlp-http';
import type * as OtlpHttpProtobuf from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { createInstrumentations } from './instrumentations';
import type { Telemetry, TelemetryEnv } from './start-telemetry';

/**
 * How long shutdown waits for the last spans to leave: a collector that is away must not hold
 * up a drain that has its own deadline (SHUTDOWN_TIMEOUT_MS).
 */
const SHUTDOWN_FLUSH_MS = 2000;

/** OTLP over HTTP only: the gRPC exporter would bring its own HTTP/2 stack for no gain here. */
type Protocol = 'http/protobuf' | 'http/json';

function setting(env: TelemetryEnv, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

function protocolOf(env: TelemetryEnv): Protocol {
  const protocol = setting(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  if (protocol === 'http/protobuf' || protocol === 'http/json') return protocol;
  throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: use http/protobuf (the default) or http/json`);
}

/** Endpoint, headers, timeout and compression come from the `OTEL_EXPORTER_OTLP_*` variables. */
function createExporter(protocol: Protocol): SpanExporter {
  /* eslint-disable @typescript-eslint/no-require-imports -- only the exporter in use is loaded */
  if (protocol === 'http/json') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttpJson;
    return new OTLPTraceExporter();
  }
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof OtlpHttpProtobuf;
  return new OTLPTraceExporter();
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/**
 * Registers a tracer provider exporting batches over OTLP/HTTP (sampler and batch settings from
 * `OTEL_TRACES_SAMPLER*` and `OTEL_BSP_*`), W3C trace context as the only propagator, and the
 * instrumentations. Baggage is not propagated: it would carry whatever a caller put in it into
 * every service and the outbox.
 */
export function startTracing(serviceName: string, env: TelemetryEnv): Telemetry {
  const exporterName = setting(env, 'OTEL_TRACES_EXPORTER') ?? 'otlp';
  if (exporterName !== 'otlp') throw new Error(`OTEL_TRACES_EXPORTER=${exporterName} is not supported: use otlp (the default) or none`);
  const provider = new NodeTracerProvider({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, read by the env detector, win over the default name.
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }).merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [new BatchSpanProcessor(createExporter(protocolOf(env)))],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  registerInstrumentations({ tracerProvider: provider, instrumentations: createInstrumentations() });
  return {
    enabled: true,
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_FLUSH_MS).unref()));
      await Promise.race([provider.shutdown().catch(() => undefined), deadline]);
      clearTimeout(timer);
    },
  };
}
