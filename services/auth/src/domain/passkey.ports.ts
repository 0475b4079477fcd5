/** What the passkey use cases need from the outside world, as small interfaces. */

/** A user's passkey as stored. `credentialId` is base64url, as WebAuthn's JSON carries it. */
export interface Passkey {
  readonly id: string;
  readonly userId: string;
  readonly credentialId: string;
  /** The COSE_Key from registration. */
  readonly publicKey: Buffer;
  /** The signature counter last seen; 0 for authenticators that keep none. */
  readonly signCount: number;
  readonly transports: readonly string[];
  /** Flag BE: the key may be synced to other devices (a `swk`); never changes for a credential. */
  readonly backupEligible: boolean;
  /** Flag BS: the key is synced now. */
  readonly backedUp: boolean;
  readonly aaguid: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  /** When a counter that did not advance revealed a copy of the key; it signs in no more. */
  readonly suspectedCloneAt: Date | null;
}

export type NewPasskey = Omit<Passkey, 'createdAt' | 'lastUsedAt' | 'suspectedCloneAt'>;

/** Passkeys on the pool, outside any transaction. */
export interface PasskeyStore {
  findByCredentialId(credentialId: string): Promise<Passkey | undefined>;
  /** The user's passkeys, oldest first. */
  listOf(userId: string): Promise<Passkey[]>;
  /**
   * Records a verified sign-in: the new counter and backup state, and the time. Only while the
   * stored counter is still below `signCount` (or both are 0), so two assertions racing with one
   * counter value cannot both pass; false when the counter had already moved.
   */
  recordUse(passkeyId: string, use: { readonly signCount: number; readonly backedUp: boolean }): Promise<boolean>;
  markSuspectedClone(passkeyId: string): Promise<void>;
}

/** Passkey changes inside an AuthTransaction, so that their notices commit with them. */
export interface PasskeyTransaction {
  /** Locks the account's row for the rest of the transaction and counts its passkeys. */
  countPasskeysLocked(userId: string): Promise<number>;
  /** Inserts; false when the credential id is already registered (to anyone). */
  insertPasskey(passkey: NewPasskey): Promise<Passkey | undefined>;
  /** Deletes the user's passkey; false when the user has none with that id. */
  deletePasskey(userId: string, passkeyId: string): Promise<boolean>;
}

/** Which ceremony a challenge was issued for, and for whom. */
export type PendingCeremony = { readonly purpose: 'register'; readonly userId: string; readonly sessionId: string } | { readonly purpose: 'login' };

/** Challenges in Redis under their digest, each taken at most once. */
export interface PasskeyChallenges {
  create(challengeDigest: string, ceremony: PendingCeremony, expiresAt: number): Promise<void>;
  /**
   * Takes the challenge out, atomically: the ceremony, or undefined when unknown, expired or
   * already taken. `takenAt` is the session store's clock at that moment, before any credential
   * was read (a login's `notBefore`).
   */
  take(challengeDigest: string): Promise<{ readonly ceremony: PendingCeremony; readonly takenAt: number } | undefined>;
}

/** What a verified registration tells about the new credential. */
export type RegisteredCredential = Pick<Passkey, 'credentialId' | 'publicKey' | 'signCount' | 'transports' | 'backupEligible' | 'backedUp' | 'aaguid'>;

/** What a verified assertion tells. */
export interface Assertion {
  readonly signCount: number;
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
}

/** Either the verified facts, or why verification failed (for the logs, never for the client). */
export type Verdict<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** The WebAuthn response the browser produced, as JSON (RegistrationResponseJSON / AuthenticationResponseJSON). */
export interface CredentialResponse {
  readonly id: string;
  readonly rawId: string;
  readonly type: 'public-key';
  readonly response: {
    readonly clientDataJSON: string;
    readonly attestationObject?: string;
    readonly authenticatorData?: string;
    readonly signature?: string;
    readonly userHandle?: string;
    readonly transports?: readonly string[];
  };
  readonly clientExtensionResults: Record<string, unknown>;
  readonly authenticatorAttachment?: string;
}

/** Options as the browser's `navigator.credentials` JSON parsers take them. */
export type CeremonyOptions = Readonly<Record<string, unknown>> & { readonly challenge: string };

/**
 * The relying party's WebAuthn checks: RP ID, allowed origins, user verification required,
 * signatures. It checks no counter: the use case does, after the signature proved the assertion.
 */
export interface RelyingParty {
  creationOptions(input: {
    readonly challenge: string;
    readonly userHandle: string;
    readonly userName: string;
    readonly displayName: string;
    readonly exclude: readonly Pick<Passkey, 'credentialId' | 'transports'>[];
  }): Promise<CeremonyOptions>;
  requestOptions(challenge: string): Promise<CeremonyOptions>;
  /** The challenge the browser signed (from clientDataJSON), or undefined when unreadable. */
  challengeOf(response: CredentialResponse): string | undefined;
  verifyRegistration(response: CredentialResponse, challenge: string): Promise<Verdict<RegisteredCredential>>;
  verifyAssertion(
    response: CredentialResponse,
    challenge: string,
    passkey: Pick<Passkey, 'credentialId' | 'publicKey' | 'transports'>,
  ): Promise<Verdict<Assertion>>;
}
