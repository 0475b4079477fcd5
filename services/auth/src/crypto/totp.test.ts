import { base32Decode, base32Encode, createTotp, hotp, otpauthUri, timeStep } from './totp';

/** RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890", 8 digits. */
const RFC_6238_SEED = Buffer.from('12345678901234567890', 'ascii');
const RFC_6238_SHA1_VECTORS: ReadonlyArray<readonly [number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

/** RFC 4226 Appendix D: HOTP values for counters 0 … 9 with the same seed, 6 digits. */
const RFC_4226_VECTORS = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

describe('TOTP', () => {
  it.each(RFC_6238_SHA1_VECTORS)('when the time is %i s, then the RFC 6238 SHA-1 code is %s', (seconds, code) => {
    expect(hotp(RFC_6238_SEED, timeStep(seconds * 1000), 8, 'sha1')).toBe(code);
  });

  it('when counters 0 to 9 are used, then the RFC 4226 HOTP values come out', () => {
    expect(RFC_4226_VECTORS.map((_, counter) => hotp(RFC_6238_SEED, counter))).toEqual(RFC_4226_VECTORS);
  });

  it('when a secret is encoded in base32, then it decodes to the same bytes (RFC 4648 vectors included)', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('mzxw 6ytb oi======').toString()).toBe('foobar');
    const secret = createTotp('Gatehouse').newSecret();
    expect(base32Decode(base32Encode(secret))).toEqual(secret);
    expect(base32Encode(secret)).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('when an otpauth URI is built, then it names issuer and account and states the defaults every app expects', () => {
    const uri = new URL(otpauthUri('Gatehouse Dev', 'ada@example.com', RFC_6238_SEED));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Gatehouse Dev:ada@example.com');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
      issuer: 'Gatehouse Dev',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });

  it('when provisioning is asked for, then the returned secret and URL carry the same key', () => {
    const totp = createTotp('Gatehouse');
    const secret = totp.newSecret();
    const shown = totp.provisioning(secret, 'ada@example.com');
    expect(new URL(shown.otpauthUrl).searchParams.get('secret')).toBe(shown.secret);
    expect(totp.codeAt(base32Decode(shown.secret), 7)).toBe(hotp(secret, 7));
  });
});
