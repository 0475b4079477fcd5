import type { ErrorRequestHandler } from 'express';
import { isAppError } from '@gatehouse/errors';
import { isDependencyFailure } from '@gatehouse/http';
import type { Logger } from '@gatehouse/logger';
import { requestIdOf } from './request-facts';

/**
 * RFC 6749 §5.2 error codes, and `temporarily_unavailable` / `server_error` (§4.1.2.1), which
 * token endpoints use for the same situations.
 */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_scope' | 'unsupported_grant_type' | 'temporarily_unavailable' | 'server_error';

const STATUS: Readonly<Record<OAuthErrorCode, number>> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_scope: 400,
  unsupported_grant_type: 400,
  temporarily_unavailable: 503,
  server_error: 500,
};

/** RFC 6749 §5.2: a client that failed to authenticate is told the scheme to authenticate with. */
export const CLIENT_CHALLENGE = 'Basic realm="gatehouse"';

/** As the problem+json handler answers outages: long enough for a failover blip to pass. */
const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** An error of the token endpoint, answered as RFC 6749 §5.2 JSON. */
export class OAuthError extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: OAuthErrorCode,
    description: string,
    options: { readonly status?: number; readonly headers?: Readonly<Record<string, string>> } = {},
  ) {
    super(description);
    this.name = 'OAuthError';
    this.status = options.status ?? STATUS[code];
    this.headers = options.headers ?? (code === 'invalid_client' ? { 'WWW-Authenticate': CLIENT_CHALLENGE } : {});
  }
}

interface BodyParserError {
  readonly type?: unknown;
  readonly status?: unknown;
}

const unavailable = () =>
  new OAuthError('temporarily_unavailable', 'A service the token endpoint needs is unavailable. Try again shortly.', {
    headers: { 'Retry-After': String(DEPENDENCY_RETRY_AFTER_SECONDS) },
  });

/** Errors the rest of the app raises in its own terms, translated; undefined for the unexpected. */
function translated(error: unknown): OAuthError | undefined {
  if (error instanceof OAuthError) return error;
  if (isAppError(error)) {
    const { code, details } = error;
    if (code === 'rate_limited') {
      return new OAuthError('temporarily_unavailable', 'Too many token requests. Try again later.', {
        status: 429,
        headers: { 'Retry-After': String(details.retryAfterSeconds) },
      });
    }
    if (code === 'method_not_allowed') return new OAuthError('invalid_request', error.message, { status: 405, headers: { Allow: String(details.allow) } });
    if (code === 'dependency_unavailable' || code === 'service_unavailable') return unavailable();
    return undefined;
  }
  const parser = error as BodyParserError;
  if (typeof parser.type === 'string' && typeof parser.status === 'number' && parser.status < 500) {
    return new OAuthError(
      'invalid_request',
      parser.type === 'entity.too.large' ? 'The request body is larger than 4 KB.' : 'The request body could not be read.',
    );
  }
  return undefined;
}

/**
 * The one exception to problem+json: the token endpoint answers in RFC 6749 §5.2's format,
 * `{error, error_description}`, because that is what OAuth clients parse. Outages become 503
 * `temporarily_unavailable`, never a 401 that would make a client think its secret is wrong.
 */
export function oauthErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    let answer = translated(error);
    if (answer === undefined && isDependencyFailure(error)) {
      logger.warn({ err: error, requestId: requestIdOf(req) }, 'dependency unavailable');
      answer = unavailable();
    }
    if (answer === undefined) {
      logger.error({ err: error, requestId: requestIdOf(req) }, 'unexpected error');
      answer = new OAuthError('server_error', 'An unexpected error occurred.');
    }
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.status(answer.status).json({ error: answer.code, error_description: answer.message });
  };
}
