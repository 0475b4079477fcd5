import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, isAppError } from '@gatehouse/errors';
import { PROBLEM_CONTENT_TYPE, problemBody, problemKinds } from '@gatehouse/http';
import type { Logger } from '@gatehouse/logger';

/**
 * Details that become response headers rather than body members, as `sendProblem` in
 * libs/http maps them (which needs Express's response; the edge has Node's).
 */
const HEADER_DETAILS: Readonly<Record<string, string>> = {
  retryAfterSeconds: 'Retry-After',
  allow: 'Allow',
  wwwAuthenticate: 'WWW-Authenticate',
};
const HEADER_ONLY_DETAILS = new Set(['wwwAuthenticate', 'allow']);
/** What Express's `res.type(PROBLEM_CONTENT_TYPE).send(string)` sets. */
const CONTENT_TYPE = `${PROBLEM_CONTENT_TYPE}; charset=utf-8`;

/**
 * Writes an AppError as RFC 9457 problem+json on a plain Node response, byte for byte what
 * libs/http's `sendProblem` writes through Express (checked in problem-response.test.ts).
 */
export function writeProblem(req: IncomingMessage, res: ServerResponse, error: AppError, requestId: string | undefined): void {
  const extensions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error.details)) {
    const header = HEADER_DETAILS[key];
    if (header) res.setHeader(header, String(value));
    if (!HEADER_ONLY_DETAILS.has(key)) extensions[key] = value;
  }
  const body = JSON.stringify(problemBody(error.code, error.message, requestId, extensions));
  res.statusCode = problemKinds[error.code].status;
  res.setHeader('Content-Type', CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

/**
 * The edge's error handler, with libs/http's `errorHandler` policy: a known error is answered as
 * its problem (and logged when it is a 5xx or a bug); anything else is logged with the request id
 * and answered with a generic 500 that leaks nothing. A response already under way is cut.
 */
export function answerError(logger: Logger, req: IncomingMessage, res: ServerResponse, error: unknown, requestId: string): void {
  if (res.headersSent) {
    logger.error({ err: error, requestId }, 'request failed after the response started');
    res.destroy();
    return;
  }
  if (isAppError(error)) {
    if (!error.operational || problemKinds[error.code].status >= 500) logger.error({ err: error, requestId, code: error.code }, 'request failed');
    writeProblem(req, res, error, requestId);
    return;
  }
  logger.error({ err: error, requestId }, 'unexpected error');
  writeProblem(req, res, new AppError('internal', 'An unexpected error occurred.'), requestId);
}
