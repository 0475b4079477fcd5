import { createLocalJWKSet, jwtVerify } from 'jose';
import { createStaticKeyVerifier } from '../src';
import { AUDIENCE, ISSUER, generateTestKey, signHs256WithPublicKey, signToken, tamper, unsignedToken } from './token-fixtures';

/**
 * Differential test: the hand-written verifier against jose, a widely used implementation, on the
 * same keys and rules. Wherever jose refuses a token ours must refuse it too; ours may be stricter
 * only where a case below says so on purpose.
 */
const rsa = generateTestKey('RS256');
const ec = generateTestKey('ES256');
const ed = generateTestKey('EdDSA');
const stranger = generateTestKey('ES256', ec.kid);
const jwks = { keys: [rsa.jwk, ec.jwk, ed.jwk] };
const ours = createStaticKeyVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30 });
const joseKeys = createLocalJWKSet(jwks as never);
const rules = { issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256', 'ES256', 'EdDSA'], typ: 'at+jwt', clockTolerance: 30 };

const accepts = (verify: () => Promise<unknown>) =>
  verify().then(
    () => true,
    () => false,
  );
const oursAccepts = (token: string) => accepts(() => ours.verify(token));
const joseAccepts = (token: string) => accepts(() => jwtVerify(token, joseKeys, rules));
const now = () => Math.floor(Date.now() / 1000);

const agreed: [string, () => string, boolean][] = [
  ['a valid RS256 token', () => signToken(rsa), true],
  ['a valid ES256 token', () => signToken(ec), true],
  ['a valid EdDSA token', () => signToken(ed), true],
  ['typ in its long form', () => signToken(ec, { header: { typ: 'application/at+jwt' } }), true],
  ['expired beyond the tolerance', () => signToken(ec, { claims: { iat: now() - 3600, exp: now() - 31 - 5 } }), false],
  ['not valid before a future nbf', () => signToken(ec, { claims: { nbf: now() + 120 } }), false],
  ['another issuer', () => signToken(rsa, { claims: { iss: 'someone-else' } }), false],
  ['another audience', () => signToken(ed, { claims: { aud: 'another-api' } }), false],
  ['typ JWT', () => signToken(ec, { header: { typ: 'JWT' } }), false],
  ['alg none', () => unsignedToken(ec), false],
  ['HS256 with the public key as secret', () => signHs256WithPublicKey(rsa), false],
  ['a tampered payload', () => tamper(signToken(ec), { roles: ['admin'] }), false],
  ['a foreign key under a known kid', () => signToken(stranger), false],
  ['an unknown kid', () => signToken(generateTestKey('ES256')), false],
  ["a header alg that is not its key's", () => signToken(rsa, { header: { kid: ec.kid } }), false],
  ['a crit header', () => signToken(ec, { header: { crit: ['exp'], exp: 1 } }), false],
];

/** Where ours refuses and jose, with these rules, accepts: each refusal is deliberate. */
const stricter: [string, () => string][] = [
  ['an embedded jwk header (the token must not name its own key)', () => signToken(ec, { header: { jwk: ec.jwk } })],
  ['a jku header (nor where to fetch it)', () => signToken(ec, { header: { jku: 'https://attacker.example/jwks' } })],
  ['no jti', () => signToken(ec, { claims: { jti: undefined } })],
  ['no sid on a user token', () => signToken(ec, { claims: { sid: undefined } })],
];

describe('libs/jwt agrees with jose', () => {
  it.each(agreed)('when the token is %s, then both give the same answer', async (_what, make, expected) => {
    const token = make();
    expect(await joseAccepts(token)).toBe(expected);
    expect(await oursAccepts(token)).toBe(expected);
  });

  it.each(stricter)('when the token carries %s, then jose accepts it and ours refuses', async (_what, make) => {
    const token = make();
    expect(await joseAccepts(token)).toBe(true);
    expect(await oursAccepts(token)).toBe(false);
  });
});
