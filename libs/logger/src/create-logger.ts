import pino, { type Logger, type DestinationStream, type LevelWithSilent } from 'pino';
import { activeTraceFields } from './trace-fields';

export type { Logger } from 'pino';

/**
 * Paths that must never reach a log line. Headers carry bearer tokens and refresh cookies;
 * bodies carry passwords and verification tokens.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.csrfToken',
  '*.clientSecret',
  '*.client_secret',
  '*.access_token',
  'password',
  'token',
];

export interface LoggerOptions {
  readonly service: string;
  readonly level: LevelWithSilent;
  /** Where lines go; stdout by default. Tests pass a stream to assert on log lines. */
  readonly destination?: DestinationStream;
  /**
   * Adds `trace_id` and `span_id` of the active span to every line. Set it when tracing is on
   * (`Telemetry.enabled`): off, it would cost a context lookup per line and add nothing.
   */
  readonly traceContext?: boolean;
}

/** A JSON logger with the service name on every line and secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: options.traceContext ? activeTraceFields : undefined,
    },
    options.destination,
  );
}
