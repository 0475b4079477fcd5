import { loadAuthConfig } from '../src/config';
import { createKeyRing, keyTimings } from '../src/crypto/key-ring';
import { parseKeyManifest } from '../src/crypto/key-manifest';
import { newSigningKeys } from './auth-harness';

const PRODUCTION = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'x'.repeat(32),
  MFA_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
  JWT_ISSUER: 'https://id.example.com',
  WEBAUTHN_RP_ID: 'example.com',
  WEBAUTHN_ORIGINS: 'https://example.com',
};

describe('signing key configuration', () => {
  it('when production gives a key manifest instead of a private key file, then it starts with the default timings', () => {
    const config = loadAuthConfig({ ...PRODUCTION, JWT_KEYS_MANIFEST_FILE: '/run/secrets/keys.json' });
    expect(config).toMatchObject({ KEY_PUBLISH_LEAD_SECONDS: 1800, VERIFIER_CACHE_SECONDS: 1200 });
    expect(keyTimings(config)).toEqual({ leadMs: 1_800_000, retireAfterMs: (900 + 1200) * 1000 });
  });

  it('when production gives neither key source, or both, then boot stops', () => {
    expect(() => loadAuthConfig(PRODUCTION)).toThrow(/JWT_PRIVATE_KEY_FILE, JWT_KEYS_MANIFEST_FILE/);
    expect(() => loadAuthConfig({ ...PRODUCTION, JWT_PRIVATE_KEY_FILE: '/k.pem', JWT_KEYS_MANIFEST_FILE: '/keys.json' })).toThrow(/JWT_KEYS_MANIFEST_FILE/);
  });

  it('when a manifest names files relative to its folder, then they resolve there and activateAt is parsed', () => {
    const entries = parseKeyManifest(
      {
        keys: [
          { file: 'k1.pem', activateAt: '2026-01-01T00:00:00Z' },
          { file: '/abs/k2.pem', activateAt: '2026-02-01T00:00:00Z' },
        ],
      },
      '/run/secrets',
    );
    expect(entries).toEqual([
      { file: '/run/secrets/k1.pem', activateAt: Date.parse('2026-01-01T00:00:00Z') },
      { file: '/abs/k2.pem', activateAt: Date.parse('2026-02-01T00:00:00Z') },
    ]);
  });

  it('when a manifest entry lacks a date or carries unknown fields, then it is refused', () => {
    expect(() => parseKeyManifest({ keys: [{ file: 'k1.pem' }] }, '/')).toThrow(/activateAt/);
    expect(() => parseKeyManifest({ keys: [{ file: 'k1.pem', activateAt: '2026-01-01T00:00:00Z', kid: 'x' }] }, '/')).toThrow(/kid/);
    expect(() => parseKeyManifest({ keys: [] }, '/')).toThrow(/at least 1/);
  });

  it('when the published set does not change, then the key ring answers the same JWKS object; when it does, a new one', () => {
    const [a, b] = [newSigningKeys(), newSigningKeys()];
    const ring = createKeyRing(
      [
        { signing: a.signing, jwk: a.jwks.keys[0]!, activateAt: 0 },
        { signing: b.signing, jwk: b.jwks.keys[0]!, activateAt: 10_000 },
      ],
      { leadMs: 3000, retireAfterMs: 4000 },
    );
    expect(ring.jwks(1000)).toBe(ring.jwks(2000));
    expect(ring.jwks(7000).keys.map((k) => k.kid)).toEqual([a.signing.kid, b.signing.kid]);
    expect(ring.signingKey(9999).kid).toBe(a.signing.kid);
    expect(ring.signingKey(10_000).kid).toBe(b.signing.kid);
    expect(ring.jwks(14_000).keys.map((k) => k.kid)).toEqual([b.signing.kid]);
    expect(() => ring.signingKey(-1)).toThrow(/no signing key is current/);
  });
});
