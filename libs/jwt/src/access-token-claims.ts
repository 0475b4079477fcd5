import { AppError } from '@gatehouse/errors';

interface ClaimsBase {
  /** The user id, or for a service token the client id. */
  sub: string;
  roles: string[];
  jti: string;
  iat: number;
  exp: number;
}

/** A token issued to a signed-in user at login or refresh. */
export interface UserAccessClaims extends ClaimsBase {
  kind: 'user';
  email: string;
  name: string | null;
  emailVerified: boolean;
  sid: string;
  /**
   * How the user signed in (RFC 8176): `pwd` for a password, `otp` for a one-time code, `hwk` /
   * `swk` for a hardware- or software-bound key. `[]` for a token issued before the claim existed.
   */
  amr: string[];
}

/**
 * A token issued to a service by the client credentials grant (RFC 6749 §4.4, RFC 9068):
 * `sub` equals `client_id`; no session, no email.
 */
export interface ServiceAccessClaims extends ClaimsBase {
  kind: 'service';
  clientId: string;
  scopes: string[];
}

/** What a verified access token says about its bearer. */
export type AccessTokenClaims = UserAccessClaims | ServiceAccessClaims;

export interface ClaimRules {
  readonly issuer: string;
  readonly audience: string;
  readonly clockToleranceSeconds: number;
  /** Seconds since the epoch. */
  readonly nowSeconds: number;
}

/** The single error verification ends in; the reason is for logs, never for the client. */
export class TokenRejection extends AppError {
  constructor(
    readonly reason: string,
    message = 'The access token is invalid.',
  ) {
    super('token_invalid', message);
  }
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 512;
const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function audienceMatches(aud: unknown, audience: string): boolean {
  if (typeof aud === 'string') return aud === audience;
  return Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string') && aud.includes(audience);
}

/** Checks registered and Gatehouse claims of an already signature-checked payload. */
export function claimsFromPayload(payload: unknown, rules: ClaimRules): AccessTokenClaims {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new TokenRejection('payload is not an object');
  const p = payload as Record<string, unknown>;
  const tolerance = rules.clockToleranceSeconds;
  if (p.iss !== rules.issuer) throw new TokenRejection('wrong issuer');
  if (!audienceMatches(p.aud, rules.audience)) throw new TokenRejection('wrong audience');
  if (!isNumericDate(p.exp)) throw new TokenRejection('exp missing');
  if (rules.nowSeconds - tolerance >= p.exp) throw new TokenRejection('expired', 'The access token has expired.');
  if (p.nbf !== undefined && (!isNumericDate(p.nbf) || rules.nowSeconds + tolerance < p.nbf)) throw new TokenRejection('not yet valid');
  if (!isNumericDate(p.iat) || p.iat > rules.nowSeconds + tolerance) throw new TokenRejection('iat missing or in the future');
  if (!isNonEmptyString(p.sub)) throw new TokenRejection('sub missing');
  if (!isNonEmptyString(p.jti)) throw new TokenRejection('jti missing');
  if (!Array.isArray(p.roles) || p.roles.length > 64 || !p.roles.every(isNonEmptyString)) throw new TokenRejection('roles malformed');
  const base = { sub: p.sub, roles: [...(p.roles as string[])], jti: p.jti, iat: p.iat, exp: p.exp };
  if (p.client_id !== undefined) return sealed(serviceClaims(p, base));
  if (!isNonEmptyString(p.sid)) throw new TokenRejection('sid missing');
  if (typeof p.email !== 'string') throw new TokenRejection('email missing');
  if (p.name !== null && typeof p.name !== 'string') throw new TokenRejection('name malformed');
  if (typeof p.email_verified !== 'boolean') throw new TokenRejection('email_verified malformed');
  return sealed({ kind: 'user', ...base, email: p.email, name: p.name, emailVerified: p.email_verified, sid: p.sid, amr: methodsOf(p.amr) });
}

/** RFC 8176 values are short registered names; a few of them at most describe one login. */
const AMR_VALUE = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_AMR_VALUES = 16;

/** `amr` is optional (tokens issued before it existed carry none), but never malformed. */
function methodsOf(amr: unknown): string[] {
  if (amr === undefined) return [];
  if (!Array.isArray(amr) || amr.length > MAX_AMR_VALUES || !amr.every((value) => typeof value === 'string' && AMR_VALUE.test(value))) {
    throw new TokenRejection('amr malformed');
  }
  return [...(amr as string[])];
}

/** RFC 6749 §3.3 scope-token: printable ASCII but space, `"` and `\`, so it can be quoted in a challenge. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
const MAX_SCOPES = 64;

/** True for a string that may appear as one scope in a token or a `WWW-Authenticate` challenge. */
export const isScopeToken = (value: string): boolean => SCOPE_TOKEN.test(value);

/**
 * A client credentials token: `sub` is the client, and nothing may make it pass for a user.
 * Only `client_id` tells the kinds apart. Should auth ever add it to users' tokens too (RFC 9068
 * asks for it in every access token), their `sid` and `email` get them refused here rather than
 * turned into service tokens.
 */
function serviceClaims(p: Record<string, unknown>, base: ClaimsBase): ServiceAccessClaims {
  if (p.client_id !== p.sub) throw new TokenRejection('client_id differs from sub');
  if (p.sid !== undefined || p.email !== undefined) throw new TokenRejection('service token with user claims');
  return { kind: 'service', ...base, clientId: base.sub, scopes: scopesOf(p.scope) };
}

/** Space-separated scope-tokens (RFC 6749 §3.3); absent or empty means none. */
function scopesOf(scope: unknown): string[] {
  if (scope === undefined || scope === '') return [];
  if (typeof scope !== 'string') throw new TokenRejection('scope malformed');
  const scopes = scope.split(' ');
  if (scopes.length > MAX_SCOPES || !scopes.every(isScopeToken)) throw new TokenRejection('scope malformed');
  return scopes;
}

/**
 * Verified claims are cached by token and handed to every request that bears it: a handler that
 * changed them (say, pushed a role) would change them for the next request too.
 */
function sealed<T extends AccessTokenClaims>(claims: T): T {
  Object.freeze(claims.roles);
  if (claims.kind === 'service') Object.freeze(claims.scopes);
  return Object.freeze(claims);
}
