import { AppError, rateLimitedError } from '@gatehouse/errors';
import { createEvent } from '@gatehouse/events';
import type { Logger } from '@gatehouse/logger';
import type { AccessTokenSigner, Clock, Limiter, SessionStore, SessionTokens, Transactions } from './auth.ports';
import { securityNotice } from './security-notice';
import type { AuditTrail } from './audit.ports';
import { issue, type IssuedSession } from './session';

export interface RefreshDeps {
  readonly sessions: Pick<SessionStore, 'rotate' | 'revoke'>;
  readonly tokens: SessionTokens;
  readonly signer: AccessTokenSigner;
  readonly transactions: Pick<Transactions, 'run'>;
  /** Counts presentations of tokens we never issued, per client address. */
  /** Counts presentations of tokens that open nothing (forged, or of a dead session), per client address. */
  readonly invalidPresentations: Limiter;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Records reuse only: a successful refresh is not audited, so the hot path gains nothing. */
  readonly audit: AuditTrail;
}

const invalid = () => new AppError('refresh_token_invalid', 'The refresh token is missing, invalid or expired.');

/** A token that opens nothing counts against its sender's address; past the limit, 429. */
async function invalidPresentation(deps: Pick<RefreshDeps, 'invalidPresentations'>, address: string): Promise<AppError> {
  const decision = await deps.invalidPresentations.hit(address);
  return decision.allowed ? invalid() : rateLimitedError(decision.retryAfterMs);
}

/**
 * Rotates a refresh token along its session's one chain. The current token rotates; its
 * immediate parent, within the grace window, gets the same successor back (a lost response or a
 * second tab); any older token is theft: the session ends and every gateway is told.
 *
 * Limits fall where they cannot hurt bystanders: tokens that open nothing count against the
 * address that sent them, refreshes of a live session against that session, so one noisy address
 * behind a NAT cannot log its neighbours out.
 */
export async function refresh(deps: RefreshDeps, presented: string | undefined, address: string, userAgent: string | null = null): Promise<IssuedSession> {
  if (presented === undefined) throw invalid();
  const token = deps.tokens.readRefreshToken(presented);
  if (!token) throw await invalidPresentation(deps, address);
  const result = await deps.sessions.rotate(token);
  if (result.outcome === 'invalid') throw await invalidPresentation(deps, address);
  if (result.outcome === 'limited') throw rateLimitedError(result.retryAfterMs);
  if (result.outcome === 'reused') {
    const { userId, sessionId } = token;
    deps.logger.warn({ event: 'refresh_token_reused', userId, sessionId, generation: token.generation }, 'refresh token reuse: session revoked');
    // No actor: whoever presented the token may be the thief.
    deps.audit.record({ action: 'refresh_reuse', outcome: 'failure', subject: userId, reason: 'refresh_token_reused' });
    // Announced before the session is gone: if this fails, the session stays marked reused and
    // the next presentation of any of its tokens announces it again. The owner is told by email.
    const { claims } = result;
    await deps.transactions.run(async (tx) => {
      await tx.publish(createEvent('session.revoked', { userId, sessionIds: [sessionId], reason: 'reuse_detected' }));
      await tx.publish(securityNotice({ id: userId, email: claims.email, name: claims.name }, 'session_reuse_detected', new Date(deps.clock()), userAgent));
    });
    await deps.sessions.revoke(userId, sessionId);
    throw new AppError('refresh_token_reused', 'The refresh token was already used; the session has been revoked.');
  }
  return issue(deps, {
    sessionId: token.sessionId,
    generation: result.generation,
    refreshExpiresIn: result.refreshExpiresIn,
    claims: result.claims,
    amr: result.amr,
  });
}
