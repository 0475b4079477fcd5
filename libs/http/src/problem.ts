import type { ErrorCode } from '@gatehouse/errors';

interface ProblemKind {
  readonly status: number;
  readonly title: string;
}

/** The one mapping from stable error codes to HTTP. */
export const problemKinds: Readonly<Record<ErrorCode, ProblemKind>> = {
  validation_failed: { status: 400, title: 'Validation failed' },
  malformed_json: { status: 400, title: 'Malformed JSON body' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  not_found: { status: 404, title: 'Not found' },
  origin_not_allowed: { status: 403, title: 'Origin not allowed' },
  csrf_failed: { status: 403, title: 'CSRF check failed' },
  rate_limited: { status: 429, title: 'Too many requests' },
  email_taken: { status: 409, title: 'Email already registered' },
  invalid_credentials: { status: 401, title: 'Invalid credentials' },
  email_not_verified: { status: 403, title: 'Email not verified' },
  refresh_token_invalid: { status: 401, title: 'Invalid refresh token' },
  refresh_token_reused: { status: 401, title: 'Refresh token reused' },
  verification_token_invalid: { status: 400, title: 'Invalid verification token' },
  reset_token_invalid: { status: 400, title: 'Invalid password reset token' },
  session_not_found: { status: 404, title: 'Session not found' },
  mfa_required: { status: 403, title: 'Second factor required' },
  mfa_token_invalid: { status: 401, title: 'Invalid or expired MFA token' },
  mfa_code_invalid: { status: 401, title: 'Invalid one-time code' },
  mfa_already_enabled: { status: 409, title: 'Second factor already enabled' },
  mfa_factor_not_found: { status: 404, title: 'Second factor not found' },
  passkey_invalid: { status: 401, title: 'Passkey not accepted' },
  passkey_challenge_invalid: { status: 400, title: 'Invalid or expired passkey challenge' },
  passkey_not_found: { status: 404, title: 'Passkey not found' },
  passkey_limit_reached: { status: 409, title: 'Passkey limit reached' },
  token_missing: { status: 401, title: 'Authentication required' },
  token_invalid: { status: 401, title: 'Invalid access token' },
  forbidden: { status: 403, title: 'Forbidden' },
  user_not_found: { status: 404, title: 'User not found' },
  last_admin: { status: 409, title: 'Cannot remove the last admin' },
  client_limit_reached: { status: 409, title: 'Client limit reached' },
  upstream_unavailable: { status: 502, title: 'Upstream unavailable' },
  upstream_timeout: { status: 504, title: 'Upstream timed out' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
  dependency_unavailable: { status: 503, title: 'Dependency unavailable' },
  internal: { status: 500, title: 'Internal server error' },
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string;
  readonly requestId?: string;
  readonly [extension: string]: unknown;
}

/** Builds an RFC 9457 body; `type` is a stable URN per code. */
export function problemBody(code: ErrorCode, detail: string, requestId: string | undefined, extensions: Readonly<Record<string, unknown>> = {}): ProblemBody {
  const kind = problemKinds[code];
  return {
    ...extensions,
    type: `urn:gatehouse:problem:${code}`,
    title: kind.title,
    status: kind.status,
    code,
    detail,
    ...(requestId ? { requestId } : {}),
  };
}
