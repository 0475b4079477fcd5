import { timingSafeEqual } from 'node:crypto';
import { AppError, rateLimitedError } from '@gatehouse/errors';
import { CLIENT_ID_PATTERN } from '@gatehouse/events';
import type { AccessToken, AccessTokenSigner, Clock, Limiter, SecretGenerator } from './auth.ports';
import type { ClientStore } from './client.ports';

export interface IssueClientTokenDeps {
  readonly clients: Pick<ClientStore, 'findCredential'>;
  readonly secrets: Pick<SecretGenerator, 'digest'>;
  readonly signer: Pick<AccessTokenSigner, 'signForClient'>;
  /**
   * Tokens per client. Counted only once the client proved its secret: a count keyed by the
   * public client id alone would let anyone lock a client out by spamming requests with its id.
   */
  readonly perClient: Limiter;
  readonly clock: Clock;
}

/**
 * The longest a request may take from reading the client to signing. A deletion that commits in
 * between is announced to the gateways, which refuse the client's tokens for the access-token
 * lifetime plus their clock tolerance from then; a token signed later than that tolerance after
 * the read could outlive the refusal, so it is never handed out.
 */
export const MAX_READ_TO_SIGN_MS = 5_000;

export interface ClientTokenRequest {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Undefined when the client named no scope: it gets every scope it was granted. */
  readonly scopes: readonly string[] | undefined;
}

export type ClientTokenResult =
  | { readonly outcome: 'issued'; readonly token: AccessToken; readonly scopes: readonly string[] }
  | { readonly outcome: 'invalid_client' }
  | { readonly outcome: 'invalid_scope' };

/**
 * The scopes to grant: all of the client's when it asked for none, else exactly those asked for,
 * provided each was granted to the client; undefined when one was not.
 */
export function grantedScopes(requested: readonly string[] | undefined, granted: readonly string[]): readonly string[] | undefined {
  if (requested === undefined) return granted;
  const allowed = new Set(granted);
  return requested.every((scope) => allowed.has(scope)) ? [...new Set(requested)] : undefined;
}

/** Digests of 256-bit secrets; compared in constant time all the same, as a matter of habit. */
function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The client credentials grant (RFC 6749 §4.4): at most one primary-key query, one SHA-256, one
 * limiter round trip and one signature. An id that cannot be ours never reaches the database.
 */
export async function issueClientToken(deps: IssueClientTokenDeps, request: ClientTokenRequest): Promise<ClientTokenResult> {
  if (!CLIENT_ID_PATTERN.test(request.clientId)) return { outcome: 'invalid_client' };
  const readAt = deps.clock();
  const client = await deps.clients.findCredential(request.clientId);
  if (!client || !sameDigest(deps.secrets.digest(request.clientSecret), client.secretDigest)) return { outcome: 'invalid_client' };
  const limit = await deps.perClient.hit(client.clientId);
  if (!limit.allowed) throw rateLimitedError(limit.retryAfterMs);
  const scopes = grantedScopes(request.scopes, client.scopes);
  if (scopes === undefined) return { outcome: 'invalid_scope' };
  const token = deps.signer.signForClient({ clientId: client.clientId, scopes, roles: client.roles });
  if (deps.clock() - readAt > MAX_READ_TO_SIGN_MS) {
    throw new AppError('dependency_unavailable', 'Issuing the token took too long; try again.', { details: { retryAfterSeconds: 1 } });
  }
  return { outcome: 'issued', token, scopes };
}
