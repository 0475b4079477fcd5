import type { RefreshTokenStore, SecretGenerator } from './auth.ports';

export interface LogoutDeps {
  readonly refreshTokens: Pick<RefreshTokenStore, 'revokeByToken'>;
  readonly secrets: Pick<SecretGenerator, 'digest'>;
}

/** Revokes the session of the presented token. Unknown or absent tokens are fine: logout is idempotent. */
export async function logout(deps: LogoutDeps, presented: string | undefined): Promise<string | undefined> {
  if (!presented) return undefined;
  return deps.refreshTokens.revokeByToken(deps.secrets.digest(presented));
}
