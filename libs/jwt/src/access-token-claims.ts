import { AppError } from '@gatehouse/errors';

/** What a verified access token says about its bearer. */
export interface AccessTokenClaims {
  sub: string;
  email: string;
  name: string | null;
  roles: string[];
  emailVerified: boolean;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

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
  if (!isNonEmptyString(p.sid)) throw new TokenRejection('sid missing');
  if (!isNonEmptyString(p.jti)) throw new TokenRejection('jti missing');
  if (typeof p.email !== 'string') throw new TokenRejection('email missing');
  if (p.name !== null && typeof p.name !== 'string') throw new TokenRejection('name malformed');
  if (!Array.isArray(p.roles) || p.roles.length > 64 || !p.roles.every(isNonEmptyString)) throw new TokenRejection('roles malformed');
  if (typeof p.email_verified !== 'boolean') throw new TokenRejection('email_verified malformed');
  return {
    sub: p.sub,
    email: p.email,
    name: p.name,
    roles: [...(p.roles as string[])],
    emailVerified: p.email_verified,
    sid: p.sid,
    jti: p.jti,
    iat: p.iat,
    exp: p.exp,
  };
}
