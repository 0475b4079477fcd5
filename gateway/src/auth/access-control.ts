import type { RequestHandler } from 'express';
import { requireAccessToken, requireAmr, requireRole, SECOND_FACTOR_METHODS, type AccessTokenClaims, type AccessTokenVerifier } from '@gatehouse/jwt';
import type { JwtVerifyMode } from '../config';
import { underAnyPrefix } from '../proxy/path-prefix';

export interface AccessControlOptions {
  readonly mode: JwtVerifyMode;
  readonly verifier: AccessTokenVerifier;
  /**
   * Refuses tokens revoked before they expire. Checked after every verification, cached or not:
   * the verification cache remembers signatures, never the revocation state.
   */
  readonly isRevoked: (claims: AccessTokenClaims) => boolean;
  /** Paths below these need a valid access token. */
  readonly protectedPrefixes: readonly string[];
  /** Paths below these stay open although a protected prefix covers them (sign-in endpoints). */
  readonly openPrefixes?: readonly string[];
  /**
   * Protected paths below these also take service tokens (client credentials); on every other
   * protected path a valid service token gets 403. Each must lie within a protected prefix.
   */
  readonly serviceTokenPrefixes: readonly string[];
  /** Paths below these also need the role, whoever the bearer is. */
  readonly roleRules: ReadonlyArray<{ readonly prefix: string; readonly role: string }>;
  /** Paths below these also need a second factor in the token's `amr`; each must be protected. */
  readonly mfaRequiredPrefixes?: readonly string[];
}

const passThrough: RequestHandler = (_req, _res, next) => next();

/** A service prefix outside the protected ones would be a promise of checks that never run. */
function assertServicePrefixesProtected(options: AccessControlOptions): void {
  const unprotected = options.serviceTokenPrefixes.filter((prefix) => !underAnyPrefix(prefix, options.protectedPrefixes));
  if (unprotected.length > 0) throw new Error(`service token prefixes outside every protected prefix: ${unprotected.join(', ')}`);
}

/**
 * Rejects unauthenticated or under-privileged requests at the edge, before any upstream sees
 * them. Upstreams verify the same token again (defense in depth), so `off` only exists to
 * measure the gateway's own cost in benchmarks and is refused in production by config.
 */
export function accessControl(options: AccessControlOptions): RequestHandler[] {
  if (options.mode === 'off') return [passThrough];
  assertServicePrefixesProtected(options);
  const { verifier, isRevoked } = options;
  const usersOnly = requireAccessToken(verifier, { isRevoked });
  const usersOrServices = requireAccessToken(verifier, { isRevoked, acceptServiceTokens: true });
  const guards: RequestHandler[] = [
    (req, res, next) => {
      if (!underAnyPrefix(req.path, options.protectedPrefixes) || underAnyPrefix(req.path, options.openPrefixes ?? [])) return next();
      const authenticate = underAnyPrefix(req.path, options.serviceTokenPrefixes) ? usersOrServices : usersOnly;
      return authenticate(req, res, next);
    },
  ];
  for (const rule of options.roleRules) {
    const check = requireRole(rule.role);
    guards.push((req, res, next) => (underAnyPrefix(req.path, [rule.prefix]) ? check(req, res, next) : next()));
  }
  const mfaPrefixes = options.mfaRequiredPrefixes ?? [];
  // A rule below no authenticated path would never see a token: refuse to start rather than let it pass silently.
  const unguarded = mfaPrefixes.filter((prefix) => !underAnyPrefix(prefix, options.protectedPrefixes));
  if (unguarded.length > 0) throw new Error(`MFA_REQUIRED_PREFIXES ${unguarded.join(', ')} lie below no path that needs an access token (${options.protectedPrefixes.join(', ')})`);
  if (mfaPrefixes.length > 0) {
    const secondFactor = requireAmr(...SECOND_FACTOR_METHODS);
    guards.push((req, res, next) => (underAnyPrefix(req.path, mfaPrefixes) ? secondFactor(req, res, next) : next()));
  }
  return guards;
}
