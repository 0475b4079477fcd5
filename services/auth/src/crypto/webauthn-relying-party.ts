import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { COSEALG } from '@simplewebauthn/server/helpers';
import type { CeremonyOptions, RelyingParty, Verdict } from '../domain/passkey.ports';

export interface RelyingPartySettings {
  readonly rpId: string;
  readonly rpName: string;
  readonly origins: readonly string[];
  /** How long the browser waits for the person; the challenge lives as long. */
  readonly timeoutMs: number;
}

/**
 * The key algorithms a passkey may use, most preferred first; registration offers and accepts
 * these only. Named here because the library's default follows the runtime: where Web Crypto
 * verifies ML-DSA-44 (Node 24, not 20 or 22) it offers that first, so one build would invite
 * passkeys that another supported runtime cannot verify, and whose 2,420-byte signatures the
 * sign-in schema refuses (its bound is sized for these: RS256 at 8192 bits signs 1,024 bytes).
 */
const KEY_ALGORITHMS = [COSEALG.EdDSA, COSEALG.ES256, COSEALG.RS256];

/** A challenge travels as base64url of its bytes; the library must sign exactly those bytes. */
const challengeBytes = (challenge: string) => new Uint8Array(Buffer.from(challenge, 'base64url'));

const failed = (error: unknown): Verdict<never> => ({ ok: false, reason: error instanceof Error ? error.message : String(error) });

/**
 * The relying party on @simplewebauthn/server: discoverable credentials only (sign-in names no
 * account), user verification required at creation and at every use (a passkey is then two
 * factors on its own), "none" attestation, this RP ID and these origins only.
 */
export function createRelyingParty(settings: RelyingPartySettings): RelyingParty {
  const expected = { expectedOrigin: [...settings.origins], expectedRPID: settings.rpId, requireUserVerification: true };
  return {
    async creationOptions(input) {
      const options = await generateRegistrationOptions({
        rpName: settings.rpName,
        rpID: settings.rpId,
        userID: new Uint8Array(Buffer.from(input.userHandle, 'base64url')),
        userName: input.userName,
        userDisplayName: input.displayName,
        challenge: challengeBytes(input.challenge),
        timeout: settings.timeoutMs,
        attestationType: 'none',
        excludeCredentials: input.exclude.map((passkey) => ({ id: passkey.credentialId, transports: [...passkey.transports] })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
        supportedAlgorithmIDs: KEY_ALGORITHMS,
      });
      return options as unknown as CeremonyOptions;
    },
    async requestOptions(challenge) {
      // No allowCredentials: the browser offers every passkey it holds for the RP ID.
      const options = await generateAuthenticationOptions({
        rpID: settings.rpId,
        challenge: challengeBytes(challenge),
        timeout: settings.timeoutMs,
        userVerification: 'required',
      });
      return options as unknown as CeremonyOptions;
    },
    challengeOf(response) {
      try {
        const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
        return typeof clientData.challenge === 'string' ? clientData.challenge : undefined;
      } catch {
        return undefined;
      }
    },
    async verifyRegistration(response, challenge) {
      try {
        const result = await verifyRegistrationResponse({
          response: response as unknown as RegistrationResponseJSON,
          expectedChallenge: challenge,
          supportedAlgorithmIDs: KEY_ALGORITHMS,
          ...expected,
        });
        if (!result.verified) return { ok: false, reason: 'registration not verified' };
        const info = result.registrationInfo;
        return {
          ok: true,
          value: {
            credentialId: info.credential.id,
            publicKey: Buffer.from(info.credential.publicKey),
            signCount: info.credential.counter,
            transports: info.credential.transports ?? response.response.transports ?? [],
            backupEligible: info.credentialDeviceType === 'multiDevice',
            backedUp: info.credentialBackedUp,
            aaguid: info.aaguid,
          },
        };
      } catch (error) {
        return failed(error);
      }
    },
    async verifyAssertion(response, challenge, passkey) {
      try {
        const result = await verifyAuthenticationResponse({
          response: response as unknown as AuthenticationResponseJSON,
          expectedChallenge: challenge,
          ...expected,
          // Counter 0 turns the library's counter check off: it runs before the signature is
          // checked, so an unsigned guess could flag a passkey as cloned. The use case compares
          // the counter once the signature proved the assertion genuine.
          credential: { id: passkey.credentialId, publicKey: new Uint8Array(passkey.publicKey), counter: 0, transports: [...passkey.transports] },
        });
        if (!result.verified) return { ok: false, reason: 'signature not verified' };
        const info = result.authenticationInfo;
        return {
          ok: true,
          value: { signCount: info.newCounter, backupEligible: info.credentialDeviceType === 'multiDevice', backedUp: info.credentialBackedUp },
        };
      } catch (error) {
        return failed(error);
      }
    },
  };
}
