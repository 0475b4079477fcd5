import type { RequestHandler } from 'express';
import { AppError } from '@gatehouse/errors';
import { userIdentityOf } from '@gatehouse/jwt';
import type { SessionStore } from '../domain/auth.ports';

export const ENDED_SESSION_CHALLENGE = 'Bearer error="invalid_token"';

export interface LiveSessionCheck {
  /** 401 `token_invalid` unless the session is still live. */
  assertLive(userId: string, sessionId: string): Promise<void>;
  /** The same for the Bearer token of the request; mount after `requireAccessToken`. */
  readonly liveSession: RequestHandler;
}

/**
 * A valid signature is not enough where a user manages the account: a session that ended
 * (logout, reuse, password change) must not act with the access token it still holds.
 */
export function liveSessionCheck(sessions: Pick<SessionStore, 'exists'>): LiveSessionCheck {
  const assertLive = async (userId: string, sessionId: string) => {
    if (!(await sessions.exists(userId, sessionId))) {
      throw new AppError('token_invalid', 'The session has ended.', { details: { wwwAuthenticate: ENDED_SESSION_CHALLENGE } });
    }
  };
  return {
    assertLive,
    liveSession: async (_req, res, next) => {
      const identity = userIdentityOf(res);
      await assertLive(identity.sub, identity.sid);
      next();
    },
  };
}
