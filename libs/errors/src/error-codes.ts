/**
 * Every stable error code Gatehouse can answer with. Clients branch on these, so a code is
 * never renamed; add new ones instead. HTTP status lives in one place: `@gatehouse/http`.
 */
export const errorCodes = [
  'validation_failed',
  'malformed_json',
  'payload_too_large',
  'unsupported_media_type',
  'method_not_allowed',
  'not_found',
  'origin_not_allowed',
  'csrf_failed',
  'rate_limited',
  'email_taken',
  'invalid_credentials',
  'email_not_verified',
  'refresh_token_invalid',
  'refresh_token_reused',
  'verification_token_invalid',
  'reset_token_invalid',
  'session_not_found',
  'mfa_required',
  'mfa_token_invalid',
  'mfa_code_invalid',
  'mfa_already_enabled',
  'mfa_factor_not_found',
  'token_missing',
  'token_invalid',
  'forbidden',
  'user_not_found',
  'last_admin',
  'client_limit_reached',
  'upstream_unavailable',
  'upstream_timeout',
  'service_unavailable',
  'dependency_unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];
