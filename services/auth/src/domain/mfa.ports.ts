/** What the second-factor use cases need from the outside world, as small interfaces. */

import type { AuthMethod, SecondFactorMethod } from './auth-methods';

/** A user's TOTP factor as stored: the shared secret only sealed. */
export interface TotpFactor {
  readonly sealedSecret: Buffer;
  /** False while the setup waits for its first code. */
  readonly confirmed: boolean;
  /** The last time step a code was accepted for: it and every earlier step are spent. */
  readonly lastUsedStep: number | null;
}

/** Second factors in PostgreSQL: inside a transaction (see AuthTransaction) or on their own. */
export interface SecondFactorStore {
  findTotp(userId: string, options?: { readonly forUpdate?: boolean }): Promise<TotpFactor | undefined>;
  /** Stores a fresh unconfirmed secret, replacing a pending one; false when a confirmed one exists. */
  savePendingTotp(userId: string, sealedSecret: Buffer): Promise<boolean>;
  /** Confirms the pending factor, its first code's time step spent. */
  confirmTotp(userId: string, step: number): Promise<void>;
  /** Spends time step `step` of the confirmed factor; false when it or a later one was spent (a replay). */
  useTotpStep(userId: string, step: number): Promise<boolean>;
  /** The user's recovery codes become exactly these (digests); older ones stop working. */
  replaceRecoveryCodes(userId: string, digests: readonly string[]): Promise<void>;
  /** Spends an unused recovery code; false when it is unknown or already used. */
  useRecoveryCode(userId: string, digest: string): Promise<boolean>;
  /** Deletes the TOTP factor and every recovery code; false when no confirmed factor existed. */
  removeSecondFactors(userId: string): Promise<boolean>;
  /** The second factors a login of this user must ask for; [] when it has none. */
  methodsOf(userId: string): Promise<SecondFactorMethod[]>;
}

/** A login whose first step succeeded and that waits for its second factor. */
export interface PendingLogin {
  readonly userId: string;
  /** A digest of the credential the first step checked: a password change since voids the login. */
  readonly credentialVersion: string;
  /** The session store's time before the credential was read: a revoke-all since fences it out. */
  readonly notBefore: number;
  /** What the first step proved. */
  readonly amr: readonly AuthMethod[];
}

/** Pending logins under the digest of their `mfaToken`, in Redis. */
export interface MfaChallenges {
  create(tokenDigest: string, login: PendingLogin, expiresAt: number): Promise<void>;
  /**
   * Counts one attempt on the token before its code is checked; the login, or undefined when the
   * token is unknown, expired, used, or out of attempts.
   */
  attempt(tokenDigest: string): Promise<PendingLogin | undefined>;
  /** Uses the token up; false when something else already did (a parallel request won). */
  consume(tokenDigest: string): Promise<boolean>;
}

/** Wrong one-time codes per account, counted before the code is checked. */
export interface CodeThrottle {
  /** Counts an attempt as a failure until forgiven; throws `rate_limited` past the budget. */
  reserve(userId: string): Promise<void>;
  /** The attempt was right, or reached no verdict: it counts as nothing. */
  forgive(userId: string): Promise<void>;
}

/** RFC 6238 arithmetic and the provisioning an authenticator app scans. */
export interface Totp {
  newSecret(): Buffer;
  stepAt(nowMs: number): number;
  codeAt(secret: Buffer, step: number): string;
  provisioning(secret: Buffer, account: string): TotpProvisioning;
}

/** What setup answers once, and never again: the secret in base32 and as an otpauth:// URL. */
export interface TotpProvisioning {
  readonly secret: string;
  readonly otpauthUrl: string;
}

/** Authenticated encryption of secrets at rest, bound to a context (whose secret it is). */
export interface SecretCipher {
  seal(plaintext: Buffer, context: string): Buffer;
  /** Throws when the sealed value was altered or belongs to another context. */
  open(sealed: Buffer, context: string): Buffer;
}

/** Single-use recovery codes: shown once, stored as keyed digests. */
export interface RecoveryCodes {
  issue(userId: string): { readonly codes: string[]; readonly digests: string[] };
  /** The digest of what the user typed, or undefined when it cannot be a recovery code. */
  digest(userId: string, typed: string): string | undefined;
}
