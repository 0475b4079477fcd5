import { hkdfSync } from 'node:crypto';

/** The keys of the second factors, each its own HKDF subkey so that no key serves two purposes. */
export interface MfaKeys {
  /** AES-256-GCM key of the TOTP secrets. */
  readonly secretKey: Buffer;
  /** HMAC key of the recovery-code digests: a database dump alone cannot test guesses. */
  readonly recoveryCodeKey: Buffer;
}

const subkey = (material: Buffer, salt: string, purpose: string) => Buffer.from(hkdfSync('sha256', material, salt, purpose, 32));

/**
 * From `MFA_ENCRYPTION_KEY` (base64, ≥ 32 bytes; production requires it), else, in development,
 * from the session secret under a salt of its own. Changing the key makes every TOTP secret and
 * recovery code unusable: the users must set up their app again.
 */
export function mfaKeys(encryptionKey: string | undefined, sessionSecret: string): MfaKeys {
  const [material, salt] =
    encryptionKey === undefined
      ? [Buffer.from(sessionSecret, 'utf8'), 'gatehouse/mfa/development-from-session-secret']
      : [Buffer.from(encryptionKey, 'base64'), 'gatehouse/mfa'];
  return { secretKey: subkey(material, salt, 'totp-secret/v1'), recoveryCodeKey: subkey(material, salt, 'recovery-code/v1') };
}
