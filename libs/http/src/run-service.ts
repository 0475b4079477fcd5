import { ConfigError } from '@gatehouse/config';
import type { Logger } from '@gatehouse/logger';
import type { HttpApp } from './create-http-app';
import { closeServer, listen, onShutdownSignal } from './serve';

/** A built service, ready to listen: what `runService` needs to serve and to drain it. */
export interface ServiceToRun {
  readonly logger: Logger;
  readonly http: HttpApp;
  readonly port: number;
  readonly host: string;
  readonly shutdownTimeoutMs: number;
  /** Facts for the "listening" log line. */
  readonly describe?: Readonly<Record<string, unknown>>;
  /** Closes pools and connections once in-flight requests have drained. */
  close(): Promise<void> | void;
}

/**
 * The body of every `main.ts`: build the service, listen, and on SIGTERM/SIGINT turn readiness
 * off, drain the server, then close connections. A failed boot exits 1; a configuration error
 * prints its list of problems rather than a stack trace, since it is the operator's to fix.
 */
export function runService(name: string, build: () => Promise<ServiceToRun>): void {
  const start = async () => {
    const service = await build();
    const server = await listen(service.http.app, service.port, service.host);
    service.logger.info({ port: service.port, ...service.describe }, `${name} listening`);
    onShutdownSignal({
      logger: service.logger,
      timeoutMs: service.shutdownTimeoutMs,
      shutdown: async () => {
        service.http.stopAcceptingTraffic();
        await closeServer(server);
        await service.close();
      },
    });
  };
  start().catch((error: unknown) => {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `${name} failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
