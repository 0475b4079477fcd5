import type { RequestHandler, Response } from 'express';
import { AppError } from '@gatehouse/errors';
import { identityOf, userIdentityOf } from '@gatehouse/jwt';
import type { Caller, Profile } from '../domain/user.ports';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The caller as this service's own verification of the bearer token established it. */
export function callerOf(res: Response): Caller {
  const claims = userIdentityOf(res);
  // Profiles are keyed by uuid; any other subject is not a Gatehouse account.
  if (!UUID.test(claims.sub)) throw new AppError('token_invalid', 'The access token is invalid.');
  return { id: claims.sub.toLowerCase(), email: claims.email, name: claims.name, roles: claims.roles, emailVerified: claims.emailVerified };
}

/**
 * Makes sure a calling user has a profile, so every account that acts here is also counted here
 * (the last-admin rule counts admins from profiles). A service token is no account: nothing to keep.
 */
export function ensureCaller(ensureProfile: (caller: Caller) => Promise<Profile>): RequestHandler {
  return async (_req, res, next) => {
    if (identityOf(res).kind === 'user') await ensureProfile(callerOf(res));
    next();
  };
}
