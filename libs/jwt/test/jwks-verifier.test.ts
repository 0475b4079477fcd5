import type { Server } from 'node:http';
import express from 'express';
import { AppError } from '@gatehouse/errors';
import { createLogger } from '@gatehouse/logger';
import { createJwksVerifier, type JwksVerifier, type JwksVerifierOptions } from '../src';
import { AUDIENCE, ISSUER, generateTestKey, serveJwks, signHs256WithPublicKey, signToken, tamper, unsignedToken, type JwksServer } from './token-fixtures';

const logger = createLogger({ service: 'jwt-test', level: 'silent' });
const rsa = generateTestKey('RS256');
const ec = generateTestKey('ES256');
const foreign = generateTestKey('RS256');
const impostor = generateTestKey('RS256', rsa.kid);
const now = () => Math.floor(Date.now() / 1000);

describe('JWKS access token verifier', () => {
  let jwks: JwksServer;
  const verifiers: JwksVerifier[] = [];

  async function readyVerifier(overrides: Partial<JwksVerifierOptions> = {}): Promise<JwksVerifier> {
    const verifier = createJwksVerifier({ jwksUrl: jwks.jwksUrl, issuer: ISSUER, audience: AUDIENCE, logger, ...overrides });
    verifiers.push(verifier);
    await verifier.refresh();
    return verifier;
  }

  async function expectRejected(verifier: JwksVerifier, token: string): Promise<void> {
    const error: unknown = await verifier.verify(token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('token_invalid');
  }

  beforeAll(async () => {
    jwks = await serveJwks([rsa, ec]);
  });
  afterAll(async () => {
    for (const v of verifiers) v.close();
    await jwks.close();
  });

  it('when an RS256 token from the published key is presented, then its claims come back mapped', async () => {
    const verifier = await readyVerifier();
    const token = signToken(rsa, { claims: { sub: 'user-1', roles: ['user', 'admin'], sid: 'session-1', email_verified: false, name: null } });
    await expect(verifier.verify(token)).resolves.toMatchObject({
      sub: 'user-1',
      roles: ['user', 'admin'],
      sid: 'session-1',
      emailVerified: false,
      name: null,
      email: 'ada@example.com',
    });
    expect(verifier.ready()).toBe(true);
  });

  it('when an ES256 token from the published key is presented, then it verifies', async () => {
    const verifier = await readyVerifier();
    await expect(verifier.verify(signToken(ec, { claims: { sub: 'ec-user' } }))).resolves.toMatchObject({ sub: 'ec-user' });
  });

  it.each([
    ['alg none', () => unsignedToken(rsa)],
    ['HS256 signed with the public key PEM as secret', () => signHs256WithPublicKey(rsa)],
    ['a tampered payload', () => tamper(signToken(rsa), { roles: ['admin'] })],
    ['an expired token', () => signToken(rsa, { claims: { iat: now() - 3600, exp: now() - 120 } })],
    ['a token without exp', () => signToken(rsa, { claims: { exp: undefined } })],
    ['nbf in the future', () => signToken(rsa, { claims: { nbf: now() + 600 } })],
    ['a wrong issuer', () => signToken(rsa, { claims: { iss: 'evil' } })],
    ['a wrong audience', () => signToken(rsa, { claims: { aud: 'other-api' } })],
    ['typ JWT instead of at+jwt', () => signToken(rsa, { header: { typ: 'JWT' } })],
    ['no typ', () => signToken(rsa, { header: { typ: undefined } })],
    ['no kid', () => signToken(rsa, { header: { kid: undefined } })],
    ['a foreign key with an unknown kid', () => signToken(foreign)],
    ['a foreign key reusing a published kid', () => signToken(impostor)],
    ['an RS256 header on the ES256 key', () => signToken(ec, { header: { alg: 'RS256' } })],
    ['a jku header', () => signToken(rsa, { header: { jku: 'https://evil.example/jwks.json' } })],
    ['an x5u header', () => signToken(rsa, { header: { x5u: 'https://evil.example/cert.pem' } })],
    ['an x5c header', () => signToken(rsa, { header: { x5c: ['MIIB'] } })],
    ['an embedded jwk header', () => signToken(foreign, { header: { jwk: foreign.jwk, kid: rsa.kid } })],
    ['a crit header', () => signToken(rsa, { header: { crit: ['exp'] } })],
    ['roles that are not a list of strings', () => signToken(rsa, { claims: { roles: 'admin' } })],
    ['no sid', () => signToken(rsa, { claims: { sid: undefined } })],
    ['an empty sub', () => signToken(rsa, { claims: { sub: '' } })],
    ['garbage', () => 'not-a-jwt'],
    ['three dots of nothing', () => '..'],
    ['a header that is not JSON', () => `${Buffer.from('{nope').toString('base64url')}.e30.c2ln`],
    ['an oversized token', () => signToken(rsa, { claims: { pad: 'x'.repeat(9000) } })],
  ])('when the token has %s, then it is rejected as token_invalid', async (_name, build) => {
    const verifier = await readyVerifier();
    await expectRejected(verifier, build());
  });

  it('when exp passed within the clock tolerance, then the token is still accepted', async () => {
    const verifier = await readyVerifier({ clockToleranceSeconds: 30 });
    await expect(verifier.verify(signToken(rsa, { claims: { iat: now() - 900, exp: now() - 10 } }))).resolves.toBeDefined();
  });

  it('when a clock tolerance above 60 seconds is asked for, then 60 is used', async () => {
    const verifier = await readyVerifier({ clockToleranceSeconds: 3600 });
    await expectRejected(verifier, signToken(rsa, { claims: { iat: now() - 900, exp: now() - 90 } }));
  });

  it('when many tokens with unknown kids arrive, then the JWKS is refetched at most once per cooldown', async () => {
    const verifier = await readyVerifier({ refetchCooldownMs: 60_000 });
    let clock = Date.now();
    const moved = await readyVerifier({ refetchCooldownMs: 60_000, now: () => clock });
    const before = jwks.hits();

    await Promise.all(Array.from({ length: 20 }, () => expectRejected(verifier, signToken(generateTestKey('ES256')))));
    expect(jwks.hits()).toBe(before);

    clock += 61_000;
    await Promise.all(Array.from({ length: 5 }, () => expectRejected(moved, signToken(foreign))));
    expect(jwks.hits()).toBe(before + 1);
  });

  it('when a known kid is verified repeatedly, then the JWKS is not fetched again', async () => {
    const verifier = await readyVerifier({ cacheSize: 0 });
    const before = jwks.hits();
    for (let i = 0; i < 5; i += 1) await verifier.verify(signToken(rsa));
    expect(jwks.hits()).toBe(before);
  });

  it('when a new key is published after start, then a token with its kid triggers one refetch and verifies', async () => {
    const rotated = generateTestKey('RS256');
    let clock = Date.now();
    const verifier = await readyVerifier({ refetchCooldownMs: 1000, now: () => clock });
    jwks.publish([rsa, ec, rotated]);
    clock += 2000;
    try {
      await expect(verifier.verify(signToken(rotated, { claims: { sub: 'rotated' } }))).resolves.toMatchObject({ sub: 'rotated' });
    } finally {
      jwks.publish([rsa, ec]);
    }
  });

  it('when a key is withdrawn from the JWKS, then a cached token it signed stops verifying', async () => {
    const retiring = generateTestKey('RS256');
    jwks.publish([rsa, ec, retiring]);
    const verifier = await readyVerifier();
    const token = signToken(retiring);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    jwks.publish([rsa, ec]);
    await verifier.refresh();
    await expectRejected(verifier, token);
  });

  it('when the same token is verified twice, then the second answer comes from the cache and matches', async () => {
    const verifier = await readyVerifier();
    const token = signToken(rsa, { claims: { sub: 'cached' } });
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    expect(second).toBe(first);
  });

  it('when a token was verified, then verifyCached answers its claims in the same turn; before that, and once its key is withdrawn, it answers nothing', async () => {
    const retiring = generateTestKey('RS256');
    jwks.publish([rsa, ec, retiring]);
    const verifier = await readyVerifier();
    const token = signToken(retiring, { claims: { sub: 'synchronous' } });
    expect(verifier.verifyCached?.(token)).toBeUndefined();
    const verified = await verifier.verify(token);
    expect(verifier.verifyCached?.(token)).toBe(verified);
    jwks.publish([rsa, ec]);
    await verifier.refresh();
    expect(verifier.verifyCached?.(token)).toBeUndefined();
  });

  it('when a cached token reaches its exp, then verifyCached no longer answers it', async () => {
    let clock = Date.now();
    const verifier = await readyVerifier({ clockToleranceSeconds: 0, now: () => clock });
    const token = signToken(rsa, { claims: { exp: Math.floor(clock / 1000) + 60 } });
    await verifier.verify(token);
    clock += 61_000;
    expect(verifier.verifyCached?.(token)).toBeUndefined();
  });

  it('when a cached token reaches its exp, then it is verified again and rejected', async () => {
    let clock = Date.now();
    const verifier = await readyVerifier({ clockToleranceSeconds: 0, now: () => clock });
    const token = signToken(rsa, { claims: { exp: Math.floor(clock / 1000) + 60 } });
    await expect(verifier.verify(token)).resolves.toBeDefined();
    clock += 61_000;
    await expectRejected(verifier, token);
  });

  it('when the JWKS endpoint goes away, then known keys keep verifying and refresh fails without losing them', async () => {
    const own = await serveJwks([rsa]);
    const verifier = createJwksVerifier({ jwksUrl: own.jwksUrl, issuer: ISSUER, audience: AUDIENCE, logger, cacheSize: 0, fetchTimeoutMs: 500 });
    verifiers.push(verifier);
    await verifier.refresh();
    await own.close();
    await expect(verifier.refresh()).rejects.toThrow();
    expect(verifier.ready()).toBe(true);
    await expect(verifier.verify(signToken(rsa, { claims: { sub: 'still-works' } }))).resolves.toMatchObject({ sub: 'still-works' });
  });
});

describe('JWKS verifier start-up', () => {
  it('when the JWKS comes up after the verifier started, then it becomes ready on its own without traffic', async () => {
    const key = generateTestKey('RS256');
    const late = await serveJwks([key]);
    const url = late.jwksUrl;
    await late.close();
    const verifier = createJwksVerifier({ jwksUrl: url, issuer: ISSUER, audience: AUDIENCE, logger, refetchCooldownMs: 50, fetchTimeoutMs: 200 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(verifier.ready()).toBe(false);
      const app = express();
      app.get('/.well-known/jwks.json', (_req, res) => {
        res.json({ keys: [key.jwk] });
      });
      const revived = await new Promise<Server>((resolve) => {
        const s = app.listen(Number(new URL(url).port), '127.0.0.1', () => resolve(s));
      });
      try {
        for (let i = 0; i < 40 && !verifier.ready(); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
        expect(verifier.ready()).toBe(true);
      } finally {
        await new Promise((resolve) => revived.close(resolve));
        revived.closeAllConnections();
      }
    } finally {
      verifier.close();
    }
  });
});
