import type { Clock, Credential, SecretGenerator } from './auth.ports';
import { includesSecondFactor, type AuthMethod, type SecondFactorMethod } from './auth-methods';
import type { MfaChallenges, SecondFactorStore } from './mfa.ports';
import { claimsOf, openSession, type IssuedSession, type SessionDeps } from './session';

/** What the client needs to finish a login with its second factor. */
export interface MfaChallenge {
  /** 256 random bits; only their digest is stored. Single use. */
  readonly mfaToken: string;
  readonly methods: readonly SecondFactorMethod[];
  readonly expiresIn: number;
}

/** A login either opens its session or, for an account with a second factor, asks for it. */
export type LoginResult =
  { readonly outcome: 'signed_in'; readonly session: IssuedSession } | { readonly outcome: 'mfa_required'; readonly challenge: MfaChallenge };

/** A first step that proved itself (a password today; a passkey login would say `hwk`/`swk`). */
export interface FirstFactor {
  readonly credential: Credential;
  readonly amr: readonly AuthMethod[];
  /** The session store's time before the credential was read. */
  readonly notBefore: number;
  readonly userAgent: string | null;
}

export interface FinishLoginDeps extends SessionDeps {
  readonly factors: Pick<SecondFactorStore, 'methodsOf'>;
  readonly challenges: Pick<MfaChallenges, 'create'>;
  readonly secrets: Pick<SecretGenerator, 'uuid' | 'token' | 'digest'>;
  readonly clock: Clock;
  /** How long the client has for its second factor; shorter than any revoke-all fence lasts. */
  readonly challengeTtlSeconds: number;
}

/** Binds a pending login to the credential it checked: another password hash, another version. */
export function credentialVersion(deps: { readonly secrets: Pick<SecretGenerator, 'digest'> }, credential: Credential): string {
  return deps.secrets.digest(`${credential.id}:${credential.passwordHash}`);
}

/**
 * The last step of every login: opens the session, unless the account has a second factor that
 * the first step did not already prove. Then the login waits in Redis under the digest of a
 * fresh `mfaToken`, bound to the user, the credential version and the first step's `notBefore`.
 */
export async function finishLogin(deps: FinishLoginDeps, first: FirstFactor): Promise<LoginResult> {
  const { credential, amr, notBefore, userAgent } = first;
  const methods = includesSecondFactor(amr) ? [] : await deps.factors.methodsOf(credential.id);
  if (methods.length === 0) return { outcome: 'signed_in', session: await openSession(deps, claimsOf(credential), { notBefore, userAgent, amr }) };
  const mfaToken = deps.secrets.token();
  const pending = { userId: credential.id, credentialVersion: credentialVersion(deps, credential), notBefore, amr };
  await deps.challenges.create(deps.secrets.digest(mfaToken), pending, deps.clock() + deps.challengeTtlSeconds * 1000);
  return { outcome: 'mfa_required', challenge: { mfaToken, methods, expiresIn: deps.challengeTtlSeconds } };
}
