import { AppError } from '@gatehouse/errors';
import type { SecretGenerator, Transactions } from './auth.ports';
import { auditedLogin, type AuditTrail } from './audit.ports';
import { withSecondFactor } from './auth-methods';
import { credentialVersion } from './finish-login';
import type { CodeThrottle, MfaChallenges } from './mfa.ports';
import { countedAttempt, proveSecondFactor, type ProofDeps, type SecondFactorProof } from './one-time-code';
import { claimsOf, openSession, type IssuedSession, type SessionDeps } from './session';

export interface MfaLoginInput {
  readonly mfaToken: string;
  readonly proof: SecondFactorProof;
  readonly userAgent: string | null;
}

export interface MfaLoginDeps extends SessionDeps, ProofDeps {
  readonly challenges: Pick<MfaChallenges, 'attempt' | 'consume'>;
  readonly transactions: Pick<Transactions, 'run'>;
  readonly throttle: CodeThrottle;
  readonly secrets: Pick<SecretGenerator, 'uuid' | 'digest'>;
  readonly audit: AuditTrail;
}

const invalidToken = () => new AppError('mfa_token_invalid', 'This sign-in expired or was already completed. Sign in with your password again.');
const invalidCode = () => new AppError('mfa_code_invalid', 'The code is wrong, expired or already used.');

/**
 * The second step of a login. The `mfaToken` takes a few attempts (counted before the check, in
 * Redis), each code is counted against the account before it is checked, and the token is used up
 * only by a right code, atomically, so two requests cannot both open a session with it. A password
 * change since the first step voids the token (credential version); every other revoke-all
 * (logout everywhere, deletion, removing the factor) fences the session out (`notBefore`).
 * Recorded as a `login`: a failure names the account once the pending login named it.
 */
export function completeMfaLogin(deps: MfaLoginDeps, input: MfaLoginInput): Promise<IssuedSession> {
  return auditedLogin(deps.audit, (concerns) => secondStep(deps, input, concerns));
}

async function secondStep(deps: MfaLoginDeps, input: MfaLoginInput, concerns: (userId: string) => void): Promise<IssuedSession> {
  const digest = deps.secrets.digest(input.mfaToken);
  const pending = await deps.challenges.attempt(digest);
  if (!pending) throw invalidToken();
  concerns(pending.userId);
  const credential = await deps.transactions.run((tx) => tx.findById(pending.userId));
  if (!credential || credentialVersion(deps, credential) !== pending.credentialVersion) {
    await deps.challenges.consume(digest);
    throw invalidToken();
  }
  const proved = await countedAttempt(deps.throttle, credential.id, () => proveSecondFactor(deps, credential.id, input.proof));
  if (!proved) throw invalidCode();
  if (!(await deps.challenges.consume(digest))) throw invalidToken();
  const amr = withSecondFactor(pending.amr, input.proof.method);
  return openSession(deps, claimsOf(credential), { notBefore: pending.notBefore, userAgent: input.userAgent, amr });
}
