import { AppError } from '@gatehouse/errors';
import type { AccessTokenSigner, Credential, SecretGenerator, SessionClaims, SessionStore, SessionTokens } from './auth.ports';
import type { AuthMethod } from './auth-methods';

/** What login and refresh hand back: the HTTP layer puts the secrets in cookies. */
export interface IssuedSession {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly refreshToken: string;
  /** Seconds the refresh token stays usable: the idle timeout, never past the session's end. */
  readonly refreshExpiresIn: number;
  readonly csrfToken: string;
  readonly claims: SessionClaims;
}

export function claimsOf(credential: Credential): SessionClaims {
  return {
    userId: credential.id,
    email: credential.email,
    name: credential.name,
    roles: credential.roles,
    emailVerified: credential.emailVerified,
  };
}

export interface SessionDeps {
  readonly sessions: Pick<SessionStore, 'create'>;
  readonly tokens: SessionTokens;
  readonly signer: AccessTokenSigner;
  readonly secrets: Pick<SecretGenerator, 'uuid'>;
}

export const invalidCredentials = () => new AppError('invalid_credentials', 'The email or password is incorrect.');

/** What a session hands the client at login and at every refresh. */
export function issue(
  deps: Pick<SessionDeps, 'tokens' | 'signer'>,
  session: { sessionId: string; generation: number; refreshExpiresIn: number; claims: SessionClaims; amr: readonly AuthMethod[] },
): IssuedSession {
  const access = deps.signer.sign(session.claims, session.sessionId, session.amr);
  return {
    accessToken: access.token,
    expiresIn: access.expiresIn,
    refreshToken: deps.tokens.refreshToken({ userId: session.claims.userId, sessionId: session.sessionId, generation: session.generation }),
    refreshExpiresIn: session.refreshExpiresIn,
    csrfToken: deps.tokens.csrfToken(session.sessionId),
    claims: session.claims,
  };
}

/** How a login opens its session: when its credential was read, from where, and with which methods. */
export interface SessionOpening {
  readonly notBefore: number;
  readonly userAgent: string | null;
  readonly amr: readonly AuthMethod[];
}

/**
 * Opens a new session for a credential that just proved itself. `notBefore` is when the
 * credential was read: if the account was deleted or all its sessions ended since, the proof is
 * stale and no session opens.
 */
export async function openSession(deps: SessionDeps, claims: SessionClaims, opening: SessionOpening): Promise<IssuedSession> {
  const sessionId = deps.secrets.uuid();
  const { notBefore, userAgent, amr } = opening;
  const opened = await deps.sessions.create({ userId: claims.userId, sessionId, claims, notBefore, userAgent, amr });
  if (!opened.created) throw invalidCredentials();
  return issue(deps, { sessionId, generation: 0, refreshExpiresIn: opened.refreshExpiresIn, claims, amr });
}
