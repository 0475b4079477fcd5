import type { ErrorRequestHandler, Response } from 'express';
import { AppError, isAppError, type ErrorCode } from '@gatehouse/errors';
import type { Logger } from '@gatehouse/logger';
import { isDependencyFailure } from './dependency-failure';
import { PROBLEM_CONTENT_TYPE, problemBody, problemKinds } from './problem';

/** Details that become response headers rather than body members. */
const HEADER_DETAILS: Readonly<Record<string, string>> = {
  retryAfterSeconds: 'Retry-After',
  allow: 'Allow',
  wwwAuthenticate: 'WWW-Authenticate',
};

/** Long enough for a restart or failover blip to pass, short enough that clients come back soon. */
const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** Writes an AppError as problem+json. Usable outside Express error flow (e.g. proxy errors). */
export function sendProblem(res: Response, error: AppError, requestId?: string): void {
  const extensions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error.details)) {
    const header = HEADER_DETAILS[key];
    if (header) res.setHeader(header, String(value));
    if (key !== 'wwwAuthenticate' && key !== 'allow') extensions[key] = value;
  }
  const body = problemBody(error.code, error.message, requestId, extensions);
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

interface BodyParserError {
  readonly type?: string;
  readonly status?: number;
}

/** body-parser reports its failures by `type`; translate the ones a client causes. */
function fromBodyParser(error: BodyParserError): AppError | undefined {
  const byType: Record<string, [ErrorCode, string]> = {
    'entity.parse.failed': ['malformed_json', 'The request body is not valid JSON.'],
    'entity.too.large': ['payload_too_large', 'The request body is too large.'],
    'encoding.unsupported': ['unsupported_media_type', 'The request body encoding is not supported.'],
    'charset.unsupported': ['unsupported_media_type', 'The request body charset is not supported.'],
    'request.size.invalid': ['malformed_json', 'The request body length does not match Content-Length.'],
    'request.aborted': ['malformed_json', 'The request body was aborted.'],
  };
  const match = error.type ? byType[error.type] : undefined;
  return match ? new AppError(match[0], match[1]) : undefined;
}

/**
 * The last middleware of every app: known errors become their problem; PostgreSQL or Redis
 * being unreachable becomes a 503 the client may retry; anything else is logged with the
 * request id and answered with a generic 500 that leaks nothing.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const requestId = typeof req.id === 'string' ? req.id : undefined;
    const known = isAppError(error) ? error : fromBodyParser(error as BodyParserError);
    if (known) {
      if (!known.operational || problemKinds[known.code].status >= 500) {
        logger.error({ err: known, requestId, code: known.code }, 'request failed');
      }
      sendProblem(res, known, requestId);
      return;
    }
    if (isDependencyFailure(error)) {
      // An outage, not a bug: readiness and the clients' own reconnects deal with it.
      logger.warn({ err: error, requestId }, 'dependency unavailable');
      const unavailable = new AppError('dependency_unavailable', 'A service this request needs is unavailable. Try again shortly.', {
        cause: error,
        details: { retryAfterSeconds: DEPENDENCY_RETRY_AFTER_SECONDS },
      });
      sendProblem(res, unavailable, requestId);
      return;
    }
    logger.error({ err: error, requestId }, 'unexpected error');
    sendProblem(res, new AppError('internal', 'An unexpected error occurred.'), requestId);
  };
}
