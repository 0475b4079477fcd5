import type { ErrorCode } from './error-codes';

/** One field-level problem, reported back to the client in `errors`. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export interface AppErrorOptions {
  readonly cause?: unknown;
  /** Extra, client-safe facts, e.g. `retryAfterSeconds` or field issues. Never secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** False for programmer errors and broken invariants: those are logged loudly. */
  readonly operational?: boolean;
}

/**
 * The single error type domain code throws. It carries a stable `code` and a client-safe
 * `message`; the HTTP layer decides the status and the problem+json shape.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  readonly operational: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? {};
    this.operational = options.operational ?? true;
  }
}

/** Validation failure with the list of offending fields. */
export function validationError(issues: readonly FieldIssue[]): AppError {
  return new AppError('validation_failed', 'The request is not valid.', { details: { errors: issues } });
}

/**
 * Too many requests: `Retry-After` (whole seconds, at least 1) comes from the limiter's wait, so
 * every limit answers the same shape.
 */
export function rateLimitedError(retryAfterMs: number, message = 'Too many requests. Try again later.'): AppError {
  return new AppError('rate_limited', message, { details: { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) } });
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
