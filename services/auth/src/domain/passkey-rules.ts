import { AppError } from '@gatehouse/errors';
import type { AuthMethod } from './auth-methods';
import type { Passkey, PasskeyChallenges, PendingCeremony, CredentialResponse, RelyingParty } from './passkey.ports';

/** The WebAuthn user handle of an account: the 16 bytes of its id, never the email (spec §14.6.1). */
export function userHandleOf(userId: string): string {
  return Buffer.from(userId.replace(/-/g, ''), 'hex').toString('base64url');
}

/**
 * How a passkey sign-in shows in `amr` (RFC 8176): a backup-eligible passkey can be synced to
 * other devices by its provider, so its key lives in software (`swk`); a device-bound one, whose
 * key never leaves the authenticator, is a hardware key (`hwk`). With user verification either
 * is two factors at once, so no second step follows.
 */
export function passkeyAmr(passkey: Pick<Passkey, 'backupEligible'>): AuthMethod[] {
  return [passkey.backupEligible ? 'swk' : 'hwk'];
}

/**
 * WebAuthn §6.1.1: when either counter is non-zero, a genuine authenticator's counter grows with
 * every signature. One that did not means a second copy of the key signs too.
 */
export function counterAdvances(stored: number, presented: number): boolean {
  return (stored === 0 && presented === 0) || presented > stored;
}

/** Names of common passkey providers by AAGUID (passkey-authenticator-aaguids); others get the default. */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  'fbfc3007-154e-4ecc-8c0b-6e020557d7bd': 'iCloud Keychain',
  'dd4ec289-e01d-41c9-bb89-70fa845d4bf2': 'iCloud Keychain',
  'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4': 'Google Password Manager',
  'adce0002-35bc-c60a-648b-0b25f1f05503': 'Chrome on Mac',
  '08987058-cadc-4b81-b6e1-30de50dcbe96': 'Windows Hello',
  '9ddd1817-af5a-4672-a2b9-3e3dd95000a9': 'Windows Hello',
  '6028b017-b1d4-4c02-b4b3-afcdafc96bb2': 'Windows Hello',
  'bada5566-a7aa-401f-bd96-45619a55120d': '1Password',
  'd548826e-79b4-db40-a3d8-11116f7e8349': 'Bitwarden',
};

export const DEFAULT_PASSKEY_NAME = 'Passkey';

/** The name the owner gave, else the provider's, else "Passkey". */
export function passkeyName(given: string | undefined, aaguid: string): string {
  return given ?? PROVIDER_NAMES[aaguid] ?? DEFAULT_PASSKEY_NAME;
}

export const challengeInvalid = () => new AppError('passkey_challenge_invalid', 'This passkey request expired or was already used. Start again.');
export const passkeyInvalid = () => new AppError('passkey_invalid', 'The passkey was not accepted.');

/**
 * Takes the challenge the browser signed out of Redis: each works for one answer, whatever that
 * answer turns out to be, so a response is never verified twice against the same challenge.
 */
export async function takeChallenge(
  deps: {
    readonly relyingParty: Pick<RelyingParty, 'challengeOf'>;
    readonly passkeyChallenges: Pick<PasskeyChallenges, 'take'>;
    readonly secrets: { digest(secret: string): string };
  },
  response: CredentialResponse,
): Promise<{ readonly challenge: string; readonly ceremony: PendingCeremony; readonly takenAt: number }> {
  const challenge = deps.relyingParty.challengeOf(response);
  if (challenge === undefined) throw challengeInvalid();
  const taken = await deps.passkeyChallenges.take(deps.secrets.digest(challenge));
  if (!taken) throw challengeInvalid();
  return { challenge, ...taken };
}
