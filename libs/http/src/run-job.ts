import { exitOnStartFailure } from './run-service';
import { trapShutdownSignals } from './serve';

/**
 * The body of a one-shot entrypoint (a migrate Job): signals end it at once, success exits 0,
 * failure exits 1, a configuration error with its list of problems rather than a stack trace.
 */
export function runJob(name: string, job: () => Promise<void>): void {
  trapShutdownSignals(name);
  job().then(
    () => process.exit(0),
    (error: unknown) => exitOnStartFailure(name, error),
  );
}
