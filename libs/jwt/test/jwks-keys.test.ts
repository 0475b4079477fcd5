import { generateKeyPairSync } from 'node:crypto';
import { keysFromJwks } from '../src';
import { generateTestKey } from './token-fixtures';

describe('keysFromJwks', () => {
  it('when the set holds RSA and P-256 signing keys, then both are keyed by kid with their alg', () => {
    const rsa = generateTestKey('RS256');
    const ec = generateTestKey('ES256');
    const keys = keysFromJwks({ keys: [rsa.jwk, ec.jwk] });
    expect([...keys.keys()].sort()).toEqual([rsa.kid, ec.kid].sort());
    expect(keys.get(rsa.kid)?.alg).toBe('RS256');
    expect(keys.get(ec.kid)?.alg).toBe('ES256');
    expect(keys.get(rsa.kid)?.key.type).toBe('public');
  });

  it('when keys are symmetric, weak, for encryption, mislabelled or without kid, then they are left out', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    const good = generateTestKey('RS256');
    const keys = keysFromJwks({
      keys: [
        { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac', alg: 'HS256' },
        { ...weak, kid: 'weak' },
        { ...good.jwk, kid: 'enc', use: 'enc' },
        { ...good.jwk, kid: 'hs', alg: 'HS256' },
        { ...good.jwk, kid: undefined },
        'junk',
      ],
    });
    expect(keys.size).toBe(0);
  });

  it('when a private JWK is published by mistake, then only its public key is kept', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keys = keysFromJwks({ keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'leaky' }] });
    expect(keys.get('leaky')?.key.type).toBe('public');
  });

  it('when two keys share a kid, then neither is trusted', () => {
    const a = generateTestKey('RS256', 'same');
    const b = generateTestKey('RS256', 'same');
    expect(keysFromJwks({ keys: [a.jwk, b.jwk] }).has('same')).toBe(false);
  });

  it('when the input is not a JWK Set, then no keys come back', () => {
    expect(keysFromJwks(null).size).toBe(0);
    expect(keysFromJwks({ keys: 'x' }).size).toBe(0);
  });
});
