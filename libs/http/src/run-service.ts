import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, type BaseServiceConfig, type BrokerConfig } from '@gatehouse/config';
import type { Logger } from '@gatehouse/logger';
import { registerBrokerGauge, type BrokerLink } from './broker-gauge';
import type { HttpApp } from './create-http-app';
import { closeServer, listen, trapShutdownSignals, type ShutdownOptions } from './serve';

/** A built service, ready to listen: what `runService` needs to serve and to drain it. */
export interface ServiceToRun {
  readonly logger: Logger;
  readonly http: HttpApp;
  readonly port: number;
  /** Where `http.management` (health and metrics) listens, on the same host. */
  readonly managementPort: number;
  readonly host: string;
  readonly shutdownTimeoutMs: number;
  /** The broker link, reported as the `gatehouse_broker_connected` gauge. */
  readonly broker?: BrokerLink;
  /** Facts for the "listening" log line. */
  readonly describe?: Readonly<Record<string, unknown>>;
  /** Closes pools and connections once in-flight requests have drained. */
  close(): Promise<void> | void;
}

/** What a service that consumes events is built from, for `serviceToRun`. */
export interface ServiceParts {
  readonly config: Pick<BaseServiceConfig, 'PORT' | 'MANAGEMENT_PORT' | 'HOST' | 'SHUTDOWN_TIMEOUT_MS'> & Pick<BrokerConfig, 'EVENTS_EXCHANGE'>;
  readonly logger: Logger;
  /** Its composition root: `stop` ends consuming and relaying, waiting for the work in flight. */
  readonly app: { readonly http: HttpApp; stop(): Promise<void> };
  readonly infrastructure: { readonly connection: BrokerLink; close(): Promise<void> };
  readonly telemetry: { shutdown(): Promise<void> };
  /** More facts for the "listening" log line, after the exchange. */
  readonly describe?: Readonly<Record<string, unknown>>;
}

/** A service's ports and broker from its config, and its close order: app, connections, telemetry. */
export function serviceToRun(parts: ServiceParts): ServiceToRun {
  const { config, app, infrastructure, telemetry } = parts;
  return {
    logger: parts.logger,
    http: app.http,
    port: config.PORT,
    managementPort: config.MANAGEMENT_PORT,
    host: config.HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    broker: infrastructure.connection,
    describe: { exchange: config.EVENTS_EXCHANGE, ...parts.describe },
    // Stop taking deliveries and finish the ones in flight before the channel and pool close under them.
    close: async () => {
      await app.stop();
      await infrastructure.close();
      await telemetry.shutdown();
    },
  };
}

/** The port actually bound, which differs from the configured one when that is 0. */
function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** A boot that fails exits 1; a configuration error is the operator's to fix, so no stack trace. */
export function exitOnStartFailure(name: string, error: unknown): never {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `${name} failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}

/**
 * Turns readiness off, drains the API, closes connections, and closes the management server
 * last, so probes see the 503 and Prometheus scrapes until the end.
 */
function drainOnShutdown(service: ServiceToRun, api: Server, management: Server): ShutdownOptions {
  return {
    logger: service.logger,
    timeoutMs: service.shutdownTimeoutMs,
    shutdown: async () => {
      service.http.stopAcceptingTraffic();
      await closeServer(api);
      await service.close();
      await closeServer(management);
    },
  };
}

/**
 * The body of every `main.ts`: trap signals first, build the service, listen on the API and
 * management ports, and on SIGTERM/SIGINT drain before closing connections.
 */
export function runService(name: string, build: () => Promise<ServiceToRun>): void {
  const signals = trapShutdownSignals(name);
  const start = async () => {
    const service = await build();
    if (service.broker) registerBrokerGauge(service.http.registry, service.broker);
    // The API first: a ready management port then means the API is listening too.
    const api = await listen(service.http.app, service.port, service.host);
    const management = await listen(service.http.management, service.managementPort, service.host);
    service.logger.info({ port: boundPort(api), managementPort: boundPort(management), ...service.describe }, `${name} listening`);
    signals.serving(drainOnShutdown(service, api, management));
  };
  start().catch((error: unknown) => exitOnStartFailure(name, error));
}
