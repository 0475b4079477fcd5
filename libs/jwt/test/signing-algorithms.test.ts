import { generateKeyPairSync } from 'node:crypto';
import { createLogger } from '@gatehouse/logger';
import { createJwksVerifier, createStaticKeyVerifier, keysFromJwks, type AccessTokenVerifier, type JwksVerifier } from '../src';
import { AUDIENCE, ISSUER, generateTestKey, serveJwks, signToken, type JwksServer, type TestKey } from './token-fixtures';

const logger = createLogger({ service: 'jwt-test', level: 'silent' });
const rsa = generateTestKey('RS256');
const ec = generateTestKey('ES256');
const ed = generateTestKey('EdDSA');

function staticVerifier(keys: readonly TestKey[]): AccessTokenVerifier {
  return createStaticKeyVerifier({ jwks: { keys: keys.map((k) => k.jwk) }, issuer: ISSUER, audience: AUDIENCE });
}

async function rejection(verifier: AccessTokenVerifier, token: string): Promise<unknown> {
  return verifier.verify(token).then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** Replaces the signature segment, keeping header and payload. */
function withSignature(token: string, signature: Buffer): string {
  const [header, payload] = token.split('.');
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

describe('signing algorithms', () => {
  it('when the set holds an Ed25519 key, then it is keyed by kid as EdDSA with public members only', () => {
    const keys = keysFromJwks({ keys: [{ ...ed.privateKey.export({ format: 'jwk' }), kid: ed.kid, alg: 'EdDSA', use: 'sig' }] });
    expect(keys.get(ed.kid)?.alg).toBe('EdDSA');
    expect(keys.get(ed.kid)?.key.type).toBe('public');
  });

  it('when an OKP key is on another curve or labelled with another alg, then it is left out', () => {
    const ed448 = generateKeyPairSync('ed448').publicKey.export({ format: 'jwk' });
    const keys = keysFromJwks({
      keys: [
        { ...ed448, kid: 'ed448' },
        { ...ed.jwk, kid: 'mislabelled', alg: 'ES256' },
      ],
    });
    expect(keys.size).toBe(0);
  });

  it.each([
    ['RS256', rsa],
    ['ES256', ec],
    ['EdDSA', ed],
  ])('when a %s token is presented to a verifier holding all three keys, then it verifies', async (_alg, key) => {
    const verifier = staticVerifier([rsa, ec, ed]);
    await expect(verifier.verify(signToken(key, { claims: { sub: `user-of-${key.alg}` } }))).resolves.toMatchObject({ sub: `user-of-${key.alg}` });
  });

  it.each([
    ['an ES256 header on the EdDSA key', () => signToken(ed, { header: { alg: 'ES256' } })],
    ['an EdDSA header on the ES256 key', () => signToken(ec, { header: { alg: 'EdDSA' } })],
    ['an EdDSA header on the RS256 key', () => signToken(rsa, { header: { alg: 'EdDSA' } })],
    ['an Ed25519 (RFC 9864 name) header', () => signToken(ed, { header: { alg: 'Ed25519' } })],
    ['an EdDSA signature of the wrong length', () => withSignature(signToken(ed), Buffer.alloc(63))],
    ['an EdDSA signature by another Ed25519 key under the kid', () => signToken({ ...generateTestKey('EdDSA'), kid: ed.kid })],
  ])('when the token has %s, then it is rejected as token_invalid', async (_what, forge) => {
    const error = await rejection(staticVerifier([rsa, ec, ed]), forge());
    expect(error).toMatchObject({ code: 'token_invalid' });
  });

  describe('rotation from RS256 to ES256 through a JWKS', () => {
    let jwks: JwksServer;
    let verifier: JwksVerifier;

    beforeAll(async () => {
      jwks = await serveJwks([rsa]);
      verifier = createJwksVerifier({ jwksUrl: jwks.jwksUrl, issuer: ISSUER, audience: AUDIENCE, logger, refetchCooldownMs: 0 });
      await verifier.refresh();
    });
    afterAll(async () => {
      verifier.close();
      await jwks.close();
    });

    it('when the ES256 key is published beside the RS256 one, then tokens of both keys verify, and of the RS256 key none once it is withdrawn', async () => {
      const before = signToken(rsa, { claims: { sub: 'signed-before' } });
      jwks.publish([rsa, ec]);
      await verifier.refresh();

      await expect(verifier.verify(before)).resolves.toMatchObject({ sub: 'signed-before' });
      await expect(verifier.verify(signToken(ec, { claims: { sub: 'signed-after' } }))).resolves.toMatchObject({ sub: 'signed-after' });

      jwks.publish([ec]);
      await verifier.refresh();
      expect(await rejection(verifier, before)).toMatchObject({ code: 'token_invalid' });
    });
  });
});
