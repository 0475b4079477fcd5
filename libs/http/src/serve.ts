import type { Server } from 'node:http';
import { constants } from 'node:os';
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

/** What a signal does once the process serves; until then it exits at once. */
export interface ShutdownSignals {
  /** From now on a signal drains gracefully instead of exiting at once. */
  serving(options: ShutdownOptions): void;
}

/** The shell's convention for "ended by a signal": 128 + its number (143 for SIGTERM). */
function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

function drain(options: ShutdownOptions, signal: NodeJS.Signals): void {
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
}

/**
 * Wires SIGTERM and SIGINT before anything is opened. As PID 1 in a container, Node ignores a
 * signal it has no handler for, so a pod stopped while it migrates or connects would sit out its
 * whole grace period. Until `serving`, a signal exits straight away: nothing is in flight, a
 * migration's transaction rolls back and its advisory lock ends with the connection.
 */
export function trapShutdownSignals(name: string): ShutdownSignals {
  let graceful: ShutdownOptions | undefined;
  let started = false;
  const handler = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    if (graceful) return drain(graceful, signal);
    process.stderr.write(`${name} received ${signal} while starting; exiting\n`);
    process.exit(signalExitCode(signal));
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    serving(options) {
      graceful = options;
    },
  };
}
