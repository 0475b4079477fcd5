import { randomBytes, randomUUID } from 'node:crypto';
import { mfaKeys } from './mfa-keys';
import { createRecoveryCodes, normalizeRecoveryCode } from './recovery-codes';
import { createSecretCipher } from './secret-cipher';

describe('secret cipher', () => {
  const cipher = createSecretCipher(randomBytes(32));
  const secret = randomBytes(20);

  it('when a secret is sealed, then it opens again in its context only, and the stored value holds nothing of it', () => {
    const sealed = cipher.seal(secret, 'totp-secret:a');
    expect(cipher.open(sealed, 'totp-secret:a')).toEqual(secret);
    expect(sealed.includes(secret)).toBe(false);
    expect(() => cipher.open(sealed, 'totp-secret:b')).toThrow();
  });

  it('when a sealed value is altered or sealed under another key, then it does not open', () => {
    const sealed = cipher.seal(secret, 'c');
    const altered = Buffer.from(sealed);
    altered[20]! ^= 1;
    expect(() => cipher.open(altered, 'c')).toThrow();
    expect(() => createSecretCipher(randomBytes(32)).open(sealed, 'c')).toThrow();
    expect(cipher.seal(secret, 'c')).not.toEqual(sealed);
  });
});

describe('MFA keys', () => {
  it('when derived, then the two purposes get different keys, the same every time, and a configured key differs from the development one', () => {
    const configured = randomBytes(32).toString('base64');
    const keys = mfaKeys(configured, 'a session secret of at least 32 characters');
    expect(keys.secretKey).toHaveLength(32);
    expect(keys.secretKey).not.toEqual(keys.recoveryCodeKey);
    expect(mfaKeys(configured, 'another session secret entirely').secretKey).toEqual(keys.secretKey);
    expect(mfaKeys(undefined, 'a session secret of at least 32 characters').secretKey).not.toEqual(keys.secretKey);
  });
});

describe('recovery codes', () => {
  const codes = createRecoveryCodes(randomBytes(32));
  const user = randomUUID();

  it('when issued, then there are ten distinct codes of 50 bits in two groups, each with its digest', () => {
    const issued = codes.issue(user);
    expect(issued.codes).toHaveLength(10);
    expect(new Set(issued.codes).size).toBe(10);
    for (const code of issued.codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    expect(issued.codes.map((code) => codes.digest(user, code))).toEqual(issued.digests);
  });

  it('when a code is typed in capitals, without the dash, or with O for 0 and L for 1, then it is the same code', () => {
    expect(normalizeRecoveryCode(' AB1C0-DEFGH ')).toBe('ab1c0defgh');
    expect(normalizeRecoveryCode('abLcO defgh')).toBe('ab1c0defgh');
    expect(normalizeRecoveryCode('abcdefghuu')).toBeUndefined();
    expect(normalizeRecoveryCode('123456')).toBeUndefined();
  });

  it('when the same code is digested for two users or under two keys, then the digests differ', () => {
    expect(codes.digest(user, 'abcde-fghjk')).not.toBe(codes.digest(randomUUID(), 'abcde-fghjk'));
    expect(codes.digest(user, 'abcde-fghjk')).not.toBe(createRecoveryCodes(randomBytes(32)).digest(user, 'abcde-fghjk'));
  });
});
