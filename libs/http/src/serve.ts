import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from '@gatehouse/logger';

/** Starts listening and resolves with the server once the port is bound (port 0 in tests). */
export function listen(app: Express, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
    // Must exceed the keep-alive timeout of proxies in front of us, or they hit closed sockets.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  });
}

/** Stops accepting connections and waits for in-flight requests, closing idle sockets now. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}

export interface ShutdownOptions {
  readonly logger: Logger;
  /** Runs once on SIGTERM/SIGINT: drain, then close pools and connections. */
  readonly shutdown: () => Promise<void>;
  readonly timeoutMs: number;
}

/** Wires SIGTERM and SIGINT to a single graceful shutdown with a hard deadline. */
export function onShutdownSignal(options: ShutdownOptions): void {
  let started = false;
  const handler = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    options.logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      options.logger.error('shutdown deadline passed, exiting');
      process.exit(1);
    }, options.timeoutMs);
    deadline.unref();
    options
      .shutdown()
      .then(() => {
        options.logger.info('shut down cleanly');
        process.exit(0);
      })
      .catch((error: unknown) => {
        options.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
