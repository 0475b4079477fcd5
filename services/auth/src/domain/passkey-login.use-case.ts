import { AppError } from '@gatehouse/errors';
import type { Logger } from '@gatehouse/logger';
import type { Clock, Transactions } from './auth.ports';
import { auditedLogin, type AuditTrail } from './audit.ports';
import { finishLogin, type FinishLoginDeps, type LoginResult } from './finish-login';
import type { CeremonyOptions, CredentialResponse, PasskeyChallenges, PasskeyStore, RelyingParty } from './passkey.ports';
import { counterAdvances, passkeyAmr, passkeyInvalid, challengeInvalid, takeChallenge, userHandleOf } from './passkey-rules';

export interface PasskeyLoginDeps extends FinishLoginDeps {
  readonly passkeys: Pick<PasskeyStore, 'findByCredentialId' | 'recordUse' | 'markSuspectedClone'>;
  readonly passkeyChallenges: PasskeyChallenges;
  readonly relyingParty: Pick<RelyingParty, 'requestOptions' | 'challengeOf' | 'verifyAssertion'>;
  readonly transactions: Pick<Transactions, 'run'>;
  readonly requireVerifiedEmail: boolean;
  readonly passkeyChallengeTtlSeconds: number;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly clock: Clock;
  readonly audit: AuditTrail;
}

export interface PasskeyLoginInput {
  readonly response: CredentialResponse;
  readonly userAgent: string | null;
}

/** Request options for a sign-in that names no account: a fresh single-use challenge. */
export async function startPasskeyLogin(
  deps: Pick<PasskeyLoginDeps, 'passkeyChallenges' | 'relyingParty' | 'secrets' | 'clock' | 'passkeyChallengeTtlSeconds'>,
): Promise<CeremonyOptions> {
  const challenge = deps.secrets.token();
  await deps.passkeyChallenges.create(deps.secrets.digest(challenge), { purpose: 'login' }, deps.clock() + deps.passkeyChallengeTtlSeconds * 1000);
  return deps.relyingParty.requestOptions(challenge);
}

/**
 * Signs in with a passkey. The challenge is taken first (single use, whatever follows); then the
 * passkey the browser names, its owner's handle, the signature with user verification, the RP ID
 * and the origin. Only an assertion proved genuine has its counter compared: one that did not
 * advance means a copy of the key exists, so the sign-in is refused and the passkey signs in no
 * more (the owner removes it and registers a new one). Every refusal answers the same 401.
 * Recorded as a `login`: a refusal names the passkey's owner once the passkey was found.
 */
export function finishPasskeyLogin(deps: PasskeyLoginDeps, input: PasskeyLoginInput): Promise<LoginResult> {
  return auditedLogin(
    deps.audit,
    (concerns) => signIn(deps, input, concerns),
    (result) => result.outcome !== 'signed_in',
  );
}

async function signIn(deps: PasskeyLoginDeps, input: PasskeyLoginInput, concerns: (userId: string) => void): Promise<LoginResult> {
  const { challenge, ceremony, takenAt } = await takeChallenge(deps, input.response);
  if (ceremony.purpose !== 'login') throw challengeInvalid();
  const passkey = await deps.passkeys.findByCredentialId(input.response.id);
  if (passkey) concerns(passkey.userId);
  const refuse = (reason: string, passkeyId = passkey?.id) => {
    deps.logger.info({ event: 'passkey_login_refused', reason, passkeyId: passkeyId ?? null }, 'passkey sign-in refused');
    return passkeyInvalid();
  };
  if (!passkey) throw refuse('unknown credential');
  if (passkey.suspectedCloneAt) throw refuse('passkey suspected cloned');
  const handle = input.response.response.userHandle;
  if (handle !== undefined && handle !== userHandleOf(passkey.userId)) throw refuse('user handle mismatch');
  const verdict = await deps.relyingParty.verifyAssertion(input.response, challenge, passkey);
  if (!verdict.ok) throw refuse(verdict.reason);
  const assertion = verdict.value;
  if (assertion.backupEligible !== passkey.backupEligible) throw refuse('backup eligibility changed');
  if (!counterAdvances(passkey.signCount, assertion.signCount) || !(await deps.passkeys.recordUse(passkey.id, assertion))) {
    await deps.passkeys.markSuspectedClone(passkey.id);
    deps.logger.warn(
      { event: 'passkey_suspected_clone', passkeyId: passkey.id, userId: passkey.userId, storedCount: passkey.signCount, presentedCount: assertion.signCount },
      'passkey counter did not advance: the passkey may be cloned and signs in no more',
    );
    throw passkeyInvalid();
  }
  const credential = await deps.transactions.run((tx) => tx.findById(passkey.userId));
  if (!credential) throw refuse('account gone');
  if (deps.requireVerifiedEmail && !credential.emailVerified) throw new AppError('email_not_verified', 'Confirm your email address before logging in.');
  return finishLogin(deps, { credential, amr: passkeyAmr(passkey), notBefore: takenAt, userAgent: input.userAgent });
}
