import { AppError, validationError } from '@gatehouse/errors';
import type { Clock, SecretGenerator, Transactions } from './auth.ports';
import { accountGone } from './one-time-code';
import type { CeremonyOptions, CredentialResponse, Passkey, PasskeyChallenges, PasskeyStore, RelyingParty } from './passkey.ports';
import { challengeInvalid, passkeyName, takeChallenge, userHandleOf } from './passkey-rules';
import { securityNotice } from './security-notice';

export interface PasskeyRegistrationDeps {
  readonly transactions: Pick<Transactions, 'run'>;
  readonly passkeys: Pick<PasskeyStore, 'listOf'>;
  readonly passkeyChallenges: PasskeyChallenges;
  readonly relyingParty: Pick<RelyingParty, 'creationOptions' | 'challengeOf' | 'verifyRegistration'>;
  readonly secrets: Pick<SecretGenerator, 'token' | 'digest' | 'uuid'>;
  readonly clock: Clock;
  /** Passkeys one account may hold. */
  readonly limit: number;
  readonly challengeTtlSeconds: number;
}

/** Who registers: the user and the session of the Bearer token; the challenge is bound to both. */
export interface Registrant {
  readonly userId: string;
  readonly sessionId: string;
}

export interface PasskeyRegistrationInput extends Registrant {
  readonly response: CredentialResponse;
  readonly name: string | undefined;
  readonly userAgent: string | null;
}

const limitReached = (limit: number) => new AppError('passkey_limit_reached', `An account holds at most ${limit} passkeys; remove one first.`);

/**
 * Creation options for a new passkey of the signed-in user: a fresh challenge kept in Redis for
 * this user and session, the account's existing passkeys excluded (an authenticator holding one
 * declines to make a second), discoverable and user-verifying only.
 */
export async function startPasskeyRegistration(deps: PasskeyRegistrationDeps, registrant: Registrant): Promise<CeremonyOptions> {
  const account = await deps.transactions.run((tx) => tx.findById(registrant.userId));
  if (!account) throw accountGone();
  const existing = await deps.passkeys.listOf(account.id);
  if (existing.length >= deps.limit) throw limitReached(deps.limit);
  const challenge = deps.secrets.token();
  const expiresAt = deps.clock() + deps.challengeTtlSeconds * 1000;
  await deps.passkeyChallenges.create(deps.secrets.digest(challenge), { purpose: 'register', ...registrant }, expiresAt);
  return deps.relyingParty.creationOptions({
    challenge,
    userHandle: userHandleOf(account.id),
    userName: account.email,
    displayName: account.name ?? account.email,
    exclude: existing,
  });
}

/**
 * Verifies the browser's answer to a registration challenge of this user and session, then stores
 * the passkey and tells the owner by email in one transaction, under the account's lock so the
 * limit holds against parallel registrations.
 */
export async function finishPasskeyRegistration(deps: PasskeyRegistrationDeps, input: PasskeyRegistrationInput): Promise<Passkey> {
  const { challenge, ceremony } = await takeChallenge(deps, input.response);
  if (ceremony.purpose !== 'register' || ceremony.userId !== input.userId || ceremony.sessionId !== input.sessionId) throw challengeInvalid();
  const verdict = await deps.relyingParty.verifyRegistration(input.response, challenge);
  if (!verdict.ok) throw validationError([{ path: 'response', message: `"response" is not a valid passkey registration: ${verdict.reason}` }]);
  const credential = verdict.value;
  return deps.transactions.run(async (tx) => {
    const account = await tx.findById(input.userId);
    if (!account) throw accountGone();
    if ((await tx.countPasskeysLocked(account.id)) >= deps.limit) throw limitReached(deps.limit);
    const stored = await tx.insertPasskey({ id: deps.secrets.uuid(), userId: account.id, ...credential, name: passkeyName(input.name, credential.aaguid) });
    if (!stored) throw validationError([{ path: 'response', message: '"response" holds a passkey that is already registered' }]);
    await tx.publish(securityNotice(account, 'passkey_added', new Date(deps.clock()), input.userAgent));
    return stored;
  });
}
