import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { cborEncode } from './cbor';

/** What the relying party asked the authenticator for (the JSON the options endpoints answer). */
interface CreationOptions {
  readonly challenge: string;
  readonly rp: { readonly id?: string };
  readonly user: { readonly id: string };
}
interface RequestOptions {
  readonly challenge: string;
  readonly rpId?: string;
}

/** Where and how a ceremony runs: a test changes one to see the relying party refuse it. */
export interface CeremonyOverrides {
  readonly origin?: string;
  readonly rpId?: string;
  /** The challenge signed instead of the one asked for. */
  readonly challenge?: string;
  readonly type?: string;
  /** Flag UV: the person was verified (PIN, biometrics). */
  readonly userVerified?: boolean;
  /** The counter to report instead of the next one. */
  readonly signCount?: number;
  readonly userHandle?: string;
  /** At registration, this COSE key instead of the authenticator's own P-256 one. */
  readonly publicKey?: ReadonlyMap<number, number | Uint8Array>;
}

export interface SoftwareAuthenticatorOptions {
  /** The page the browser would run on. */
  readonly origin: string;
  /** Flag BE: a synced passkey (iCloud Keychain, Google Password Manager) instead of a device-bound one. */
  readonly backupEligible?: boolean;
  readonly aaguid?: string;
  /** Whether it keeps a signature counter (many synced passkeys always say 0). */
  readonly counter?: boolean;
}

const FLAG = { userPresent: 0x01, userVerified: 0x04, backupEligible: 0x08, backedUp: 0x10, attestedCredential: 0x40 };
/** COSE (RFC 9053) ES256 key: kty EC2, alg -7, crv P-256, x, y. */
const COSE = { kty: 1, alg: 3, crv: -1, x: -2, y: -3, EC2: 2, ES256: -7, P256: 1 };

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
const b64url = (data: Buffer) => data.toString('base64url');

/**
 * A WebAuthn authenticator in software (a P-256 key, "none" attestation), answering the JSON
 * options of a relying party with the JSON `PublicKeyCredential.toJSON()` would give, so a test
 * can register and sign in with passkeys, or forge any part of a ceremony, without a browser.
 */
export class SoftwareAuthenticator {
  readonly credentialId: Buffer = randomBytes(32);
  /** The next assertion reports this counter plus one (when it keeps a counter). */
  signCount = 0;
  private userHandle: string | undefined;

  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
    private readonly options: SoftwareAuthenticatorOptions,
  ) {}

  static create(options: SoftwareAuthenticatorOptions): SoftwareAuthenticator {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return new SoftwareAuthenticator(privateKey, publicKey, options);
  }

  /** A second authenticator holding the same key and counter: what a cloned authenticator is. */
  clone(): SoftwareAuthenticator {
    const copy = new SoftwareAuthenticator(this.privateKey, this.publicKey, this.options);
    Object.assign(copy, { credentialId: this.credentialId, signCount: this.signCount, userHandle: this.userHandle });
    return copy;
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  /** Answers `navigator.credentials.create()` for these creation options. */
  register(options: CreationOptions, overrides: CeremonyOverrides = {}) {
    this.userHandle = options.user.id;
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, overrides);
    const jwk = this.publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, number | Uint8Array>([
      [COSE.kty, COSE.EC2],
      [COSE.alg, COSE.ES256],
      [COSE.crv, COSE.P256],
      [COSE.x, Buffer.from(jwk.x!, 'base64url')],
      [COSE.y, Buffer.from(jwk.y!, 'base64url')],
    ]);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(this.credentialId.length);
    const aaguid = Buffer.from((this.options.aaguid ?? '00000000-0000-0000-0000-000000000000').replace(/-/g, ''), 'hex');
    const attested = Buffer.concat([aaguid, length, this.credentialId, cborEncode(overrides.publicKey ?? coseKey)]);
    const authData = Buffer.concat([this.authDataHead(options.rp.id, overrides, FLAG.attestedCredential, overrides.signCount ?? this.signCount), attested]);
    const attestationObject = cborEncode({ fmt: 'none', attStmt: {}, authData });
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }

  /** Answers `navigator.credentials.get()`: the counter advances (unless it keeps none). */
  assert(options: RequestOptions, overrides: CeremonyOverrides = {}) {
    if (this.options.counter !== false) this.signCount += 1;
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, overrides);
    const authenticatorData = this.authDataHead(options.rpId, overrides, 0, overrides.signCount ?? (this.options.counter === false ? 0 : this.signCount));
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.privateKey);
    const userHandle = overrides.userHandle ?? this.userHandle;
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authenticatorData),
        signature: b64url(signature),
        ...(userHandle ? { userHandle } : {}),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }

  private clientData(type: string, challenge: string, overrides: CeremonyOverrides): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: overrides.type ?? type,
        challenge: overrides.challenge ?? challenge,
        origin: overrides.origin ?? this.options.origin,
        crossOrigin: false,
      }),
    );
  }

  private authDataHead(rpId: string | undefined, overrides: CeremonyOverrides, extraFlags: number, signCount: number): Buffer {
    const effectiveRpId = overrides.rpId ?? rpId ?? new URL(this.options.origin).hostname;
    let flags = FLAG.userPresent | extraFlags;
    if (overrides.userVerified !== false) flags |= FLAG.userVerified;
    if (this.options.backupEligible) flags |= FLAG.backupEligible | FLAG.backedUp;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(signCount);
    return Buffer.concat([sha256(effectiveRpId), Buffer.from([flags]), counter]);
  }
}
