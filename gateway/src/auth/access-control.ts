import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { requireAccessToken, requireAmr, requireRole, SECOND_FACTOR_METHODS, type AccessTokenClaims, type AccessTokenVerifier } from '@gatehouse/jwt';
import type { JwtVerifyMode } from '../config';
import { policyPrefix, policyUnder, underAnyPrefix } from '../proxy/path-prefix';

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

export interface AccessGuard {
  /**
   * Decides on a request whose path, as the policy compares paths, is `policy`: `undefined` when
   * it may go on now (the path needs nothing, or every check passed synchronously, as they do
   * for a token whose verification is cached), else a promise that resolves to let the request
   * through or rejects with the AppError to answer (401, 403, or 503 while the keys cannot be loaded).
   */
  authorize(req: IncomingMessage, policy: string): Promise<void> | undefined;
}

/** A service prefix outside the protected ones would be a promise of checks that never run. */
function assertServicePrefixesProtected(options: AccessControlOptions): void {
  const unprotected = options.serviceTokenPrefixes.filter((prefix) => !underAnyPrefix(prefix, options.protectedPrefixes));
  if (unprotected.length > 0) throw new Error(`service token prefixes outside every protected prefix: ${unprotected.join(', ')}`);
}

/** A rule below no authenticated path would never see a token: refuse to start rather than let it pass silently. */
function assertMfaPrefixesProtected(mfaPrefixes: readonly string[], options: AccessControlOptions): void {
  const unguarded = mfaPrefixes.filter((prefix) => !underAnyPrefix(prefix, options.protectedPrefixes));
  if (unguarded.length > 0)
    throw new Error(`MFA_REQUIRED_PREFIXES ${unguarded.join(', ')} lie below no path that needs an access token (${options.protectedPrefixes.join(', ')})`);
}

/**
 * Runs one of libs/jwt's guards, the ones every service mounts, so the gateway and the services
 * apply one set of token rules. They are Express handlers that read only the request's headers
 * and `res.locals.identity`, so a plain request and a bare `locals` are all they need here.
 * Undefined when the guard let the request through before returning (its checks are synchronous
 * once the token's verification is cached), else a promise of its decision.
 */
function runGuard(guard: RequestHandler, req: Request, res: Response): Promise<void> | undefined {
  let decided = false;
  let refusal: unknown;
  let settle: ((error?: unknown) => void) | undefined;
  let returned: unknown;
  try {
    returned = guard(req, res, (error?: unknown) => {
      if (settle) return settle(error);
      decided = true;
      refusal = error;
    });
  } catch (error) {
    return Promise.reject(error);
  }
  if (decided) return refusal === undefined ? undefined : Promise.reject(refusal);
  return new Promise((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
    if (returned instanceof Promise) returned.catch(reject);
  });
}

/** In order, each after the previous let the request through; synchronously while they decide so. */
function runGuards(guards: readonly RequestHandler[], req: IncomingMessage, from = 0, res = { locals: {} } as Response): Promise<void> | undefined {
  for (let i = from; i < guards.length; i++) {
    const pending = runGuard(guards[i]!, req as Request, res);
    if (pending) return pending.then(() => runGuards(guards, req, i + 1, res));
  }
  return undefined;
}

/**
 * Rejects unauthenticated or under-privileged requests at the edge, before any upstream sees
 * them. Upstreams verify the same token again (defense in depth), so `off` only exists to
 * measure the gateway's own cost in benchmarks and is refused in production by config.
 */
export function accessControl(options: AccessControlOptions): AccessGuard {
  if (options.mode === 'off') return { authorize: () => undefined };
  assertServicePrefixesProtected(options);
  const mfaPrefixes = options.mfaRequiredPrefixes ?? [];
  assertMfaPrefixesProtected(mfaPrefixes, options);
  const { verifier, isRevoked, protectedPrefixes, serviceTokenPrefixes } = options;
  const openPrefixes = options.openPrefixes ?? [];
  const usersOnly = requireAccessToken(verifier, { isRevoked });
  const usersOrServices = requireAccessToken(verifier, { isRevoked, acceptServiceTokens: true });
  const roleRules = options.roleRules.map((rule) => ({ prefix: rule.prefix, check: requireRole(rule.role) }));
  const secondFactor = requireAmr(...SECOND_FACTOR_METHODS);
  return {
    authorize(req, policy) {
      const guards: RequestHandler[] = [];
      if (policyPrefix(policy, protectedPrefixes) !== undefined && policyPrefix(policy, openPrefixes) === undefined) {
        guards.push(policyPrefix(policy, serviceTokenPrefixes) === undefined ? usersOnly : usersOrServices);
      }
      for (const rule of roleRules) if (policyUnder(policy, rule.prefix)) guards.push(rule.check);
      if (policyPrefix(policy, mfaPrefixes) !== undefined) guards.push(secondFactor);
      return guards.length === 0 ? undefined : runGuards(guards, req);
    },
  };
}
