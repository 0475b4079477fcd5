import type { AccessTokenSigner, Credential, RefreshTokenStore, SecretGenerator, SessionClaims } from './auth.ports';

/** What login and refresh hand back: the HTTP layer puts the secrets in cookies. */
export interface IssuedSession {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly refreshToken: string;
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
  readonly refreshTokens: Pick<RefreshTokenStore, 'createSession'>;
  readonly signer: AccessTokenSigner;
  readonly secrets: SecretGenerator;
}

/** Opens a new session (token family) for a credential that just proved itself. */
export async function openSession(deps: SessionDeps, claims: SessionClaims): Promise<IssuedSession> {
  const sessionId = deps.secrets.uuid();
  const refreshToken = deps.secrets.token();
  await deps.refreshTokens.createSession(sessionId, deps.secrets.digest(refreshToken), claims);
  const access = deps.signer.sign(claims, sessionId);
  return { accessToken: access.token, expiresIn: access.expiresIn, refreshToken, csrfToken: deps.secrets.token(), claims };
}
