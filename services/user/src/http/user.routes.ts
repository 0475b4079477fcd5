import { Router, type RequestHandler } from 'express';
import { route, validate } from '@gatehouse/http';
import { identityOf, requireAccessToken, requireRole, requireScope, type AccessTokenVerifier } from '@gatehouse/jwt';
import type { Caller, Profile, ProfileChanges } from '../domain/user.ports';
import type { ListUsersInput, UserPage } from '../domain/list-users.use-case';
import type { UserDeletedBy } from '../domain/delete-user.use-case';
import { listUsersQuery, updateProfileBody, userIdParams } from './user.schemas';
import { profileBody } from './profile.view';
import { callerOf, ensureCaller } from './caller';
import { USERS_READ_SCOPE, USERS_WRITE_SCOPE } from './user.scopes';

/** The use cases, already bound to their dependencies by the composition root. */
export interface UserUseCases {
  ensureProfile(caller: Caller): Promise<Profile>;
  updateProfile(caller: Caller, changes: ProfileChanges): Promise<Profile>;
  listUsers(input: ListUsersInput): Promise<UserPage>;
  deleteUser(id: string, deletedBy: UserDeletedBy): Promise<void>;
}

export interface UserRoutesOptions {
  readonly useCases: UserUseCases;
  /** The gateway checks tokens too; this service never trusts identity headers and checks again. */
  readonly verifier: AccessTokenVerifier;
}

export function userRoutes(options: UserRoutesOptions): Router {
  const router = Router();
  const { useCases } = options;
  // Profiles belong to users: a service token gets 403 there.
  const usersOnly = requireAccessToken(options.verifier);
  const usersOrServices = requireAccessToken(options.verifier, { acceptServiceTokens: true });
  // The admin role for everyone; a service also needs the operation's scope (see user.scopes.ts).
  const admin = (scope: string): RequestHandler[] => [usersOrServices, requireRole('admin'), requireScope(scope), ensureCaller(useCases.ensureProfile)];

  route(router, '/api/user/profile', {
    GET: [
      usersOnly,
      async (_req, res) => {
        res.json(profileBody(await useCases.ensureProfile(callerOf(res))));
      },
    ],
    PUT: [
      usersOnly,
      async (req, res) => {
        const changes = validate(updateProfileBody, req.body);
        res.json(profileBody(await useCases.updateProfile(callerOf(res), changes)));
      },
    ],
  });

  route(router, '/api/admin/users', {
    GET: [
      ...admin(USERS_READ_SCOPE),
      async (req, res) => {
        const page = await useCases.listUsers(validate(listUsersQuery, req.query));
        res.json({ users: page.users.map(profileBody), nextCursor: page.nextCursor });
      },
    ],
  });

  route(router, '/api/admin/users/:id', {
    DELETE: [
      ...admin(USERS_WRITE_SCOPE),
      async (req, res) => {
        const { id } = validate(userIdParams, req.params);
        const caller = identityOf(res);
        await useCases.deleteUser(id, caller.kind === 'service' ? { kind: 'client', id: caller.clientId } : { kind: 'admin', id: caller.sub });
        res.status(204).end();
      },
    ],
  });

  return router;
}
