import { createPublicKey } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import type { SessionClaims } from '../domain/auth.ports';
import { createStaticKeyVerifier } from '@gatehouse/jwt';
import { createAccessTokenSigner } from './access-token.signer';
import { createKeyRing } from './key-ring';
import {
  DEFAULT_SIGNING_ALGORITHM,
  SIGNING_ALGORITHMS,
  generateSigningKeyPem,
  keySetFromPem,
  signingKeyFromPem,
  type PublicJwk,
  type SigningAlgorithm,
} from './signing-keys';

const ISSUER = 'https://auth.example.com';
const AUDIENCE = 'gatehouse-api';
const T = Date.parse('2026-06-01T00:00:00Z');
const claims: SessionClaims = { userId: '6f1c1c3e-0d0b-4a53-9d43-3d4f6d0e8b11', email: 'ada@example.com', name: 'Ada', roles: ['user'], emailVerified: true };
/** jose's JWK type wants `kty` present, which node's JsonWebKey leaves optional. */
const asJoseJwk = (jwk: PublicJwk): JWK => ({ ...jwk, kty: jwk.kty! });

function signerAt(clock: () => number, key: ReturnType<typeof signingKeyFromPem>['signing']) {
  return createAccessTokenSigner({ key: () => key, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 900, clock });
}

describe('access token signing keys', () => {
  it('when no algorithm is asked for, then a new key is EC P-256 (ES256)', () => {
    expect(DEFAULT_SIGNING_ALGORITHM).toBe('ES256');
    expect(signingKeyFromPem(generateSigningKeyPem()).jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
  });

  it.each(SIGNING_ALGORITHMS.map((alg) => [alg]))(
    'when a %s key signs, then jose verifies the token under the published JWK, header and claims as RFC 9068 asks',
    async (alg: SigningAlgorithm) => {
      const { signing, jwk } = signingKeyFromPem(generateSigningKeyPem(alg));
      const { token } = signerAt(() => T, signing).sign(claims, 'session-1', ['pwd']);

      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: [asJoseJwk(jwk)] }), {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: [alg],
        typ: 'at+jwt',
        currentDate: new Date(T),
      });
      expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: jwk.kid });
      expect(payload).toMatchObject({ sub: claims.userId, sid: 'session-1', amr: ['pwd'], iat: T / 1000, exp: T / 1000 + 900 });
    },
  );

  it.each(SIGNING_ALGORITHMS.map((alg) => [alg]))(
    'when a %s key is published, then its kid is the RFC 7638 thumbprint jose computes',
    async (alg: SigningAlgorithm) => {
      const { jwk } = signingKeyFromPem(generateSigningKeyPem(alg));
      expect(jwk.kid).toBe(await calculateJwkThumbprint(asJoseJwk(jwk)));
    },
  );

  it('when the ring rotates from an RS256 key to an ES256 key, then tokens of both verify while both are published', async () => {
    const old = signingKeyFromPem(generateSigningKeyPem('RS256'));
    const next = signingKeyFromPem(generateSigningKeyPem('ES256'));
    const ring = createKeyRing(
      [
        { ...old, activateAt: T - 86_400_000 },
        { ...next, activateAt: T },
      ],
      { leadMs: 1800_000, retireAfterMs: 1800_000 },
    );
    let now = T - 1;
    const signer = createAccessTokenSigner({ key: (at) => ring.signingKey(at), issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 900, clock: () => now });
    const verifier = createStaticKeyVerifier({ jwks: () => ring.jwks(now), issuer: ISSUER, audience: AUDIENCE, now: () => now });

    const before = signer.sign(claims, 'session-1', ['pwd']).token;
    now = T + 1;
    const after = signer.sign(claims, 'session-1', ['pwd']).token;

    expect(decodeProtectedHeader(before).alg).toBe('RS256');
    expect(decodeProtectedHeader(after).alg).toBe('ES256');
    await expect(verifier.verify(before)).resolves.toMatchObject({ sub: claims.userId });
    await expect(verifier.verify(after)).resolves.toMatchObject({ sub: claims.userId });
  });

  it('when an Ed25519 key and an RSA public key are loaded together, then the JWKS names each with its own alg and kid', () => {
    const rsaPublic = createPublicKey(generateSigningKeyPem('RS256')).export({ type: 'spki', format: 'pem' }) as string;
    const set = keySetFromPem(generateSigningKeyPem('EdDSA'), [rsaPublic]);
    expect(set.jwks.keys.map((k) => [k.kty, k.alg])).toEqual([
      ['OKP', 'EdDSA'],
      ['RSA', 'RS256'],
    ]);
    expect(set.signing.algorithm).toBe('EdDSA');
  });
});
