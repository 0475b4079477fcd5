import { createHash, createHmac, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import express from 'express';
import { serveOnFreePort, type RunningServer } from '@gatehouse/testing';

export const ISSUER = 'gatehouse';
export const AUDIENCE = 'gatehouse-api';
/** Port 1 needs root to listen on, so nothing answers there: the issuer is not up yet. */
export const UNREACHABLE_JWKS_URL = 'http://127.0.0.1:1/.well-known/jwks.json';

export type TestAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface TestKey {
  readonly kid: string;
  readonly alg: TestAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

/** A fresh key pair with its RFC 7638 thumbprint as kid, as the auth service publishes it. */
export function generateTestKey(alg: TestAlgorithm = 'RS256', kid?: string): TestKey {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('ed25519');
  const exported = publicKey.export({ format: 'jwk' });
  const members =
    exported.kty === 'RSA'
      ? { e: exported.e, kty: exported.kty, n: exported.n }
      : exported.kty === 'OKP'
        ? { crv: exported.crv, kty: exported.kty, x: exported.x }
        : { crv: exported.crv, kty: exported.kty, x: exported.x, y: exported.y };
  const thumbprint = createHash('sha256').update(JSON.stringify(members)).digest('base64url');
  const id = kid ?? thumbprint;
  return { kid: id, alg, privateKey, publicKey, jwk: { ...exported, kid: id, use: 'sig', alg } };
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function claimsFor(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = Math.floor(Date.now() / 1000);
  return {
    sub: randomUUID(),
    email: 'ada@example.com',
    name: 'Ada',
    roles: ['user'],
    email_verified: true,
    sid: randomUUID(),
    jti: randomUUID(),
    iss: ISSUER,
    aud: AUDIENCE,
    iat,
    exp: iat + 900,
    ...overrides,
  };
}

/** A client id as auth issues it: `svc_` and 128 random bits. */
export const newClientId = (): string => `svc_${randomBytes(16).toString('base64url')}`;

/**
 * Overrides that turn `claimsFor` into a client credentials token as auth issues it: `client_id`
 * equal to `sub`, a scope, roles, and none of a user's claims (`undefined` drops them from the JSON).
 */
export function serviceClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const clientId = newClientId();
  const noUserClaims = { sid: undefined, email: undefined, name: undefined, email_verified: undefined };
  return { sub: clientId, client_id: clientId, scope: '', roles: [], ...noUserClaims, ...overrides };
}

export interface SignOptions {
  readonly header?: Record<string, unknown>;
  readonly claims?: Record<string, unknown>;
}

/** Signs any header and claims with a key, so tests can build exactly the forgery they need. */
export function signToken(key: TestKey, options: SignOptions = {}): string {
  const header = { alg: key.alg, typ: 'at+jwt', kid: key.kid, ...options.header };
  const input = `${b64(header)}.${b64(claimsFor(options.claims))}`;
  const data = Buffer.from(input);
  const signature =
    key.alg === 'RS256'
      ? sign('sha256', data, key.privateKey)
      : key.alg === 'ES256'
        ? sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
        : sign(null, data, key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** The classic confusion attack: HMAC with the public key's PEM as the shared secret. */
export function signHs256WithPublicKey(key: TestKey, claims: Record<string, unknown> = {}): string {
  const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: key.kid })}.${b64(claimsFor(claims))}`;
  const secret = key.publicKey.export({ type: 'spki', format: 'pem' });
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function unsignedToken(key: TestKey, claims: Record<string, unknown> = {}): string {
  return `${b64({ alg: 'none', typ: 'at+jwt', kid: key.kid })}.${b64(claimsFor(claims))}.`;
}

/** Replaces the payload of a signed token, keeping its header and signature. */
export function tamper(token: string, claims: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64(claimsFor(claims))}.${signature}`;
}

export interface JwksServer extends RunningServer {
  readonly jwksUrl: string;
  /** How many times the JWKS was fetched. */
  hits(): number;
  publish(keys: readonly TestKey[]): void;
  /** Answers every fetch with this status until called with `undefined`. */
  fail(status: number | undefined): void;
}

/** A real HTTP JWKS endpoint on a free port. */
export async function serveJwks(keys: readonly TestKey[]): Promise<JwksServer> {
  let published = keys;
  let hits = 0;
  let failure: number | undefined;
  const app = express();
  app.get('/.well-known/jwks.json', (_req, res) => {
    hits += 1;
    if (failure !== undefined) {
      res.sendStatus(failure);
      return;
    }
    res.json({ keys: published.map((k) => k.jwk) });
  });
  const server = await serveOnFreePort(app);
  return {
    ...server,
    jwksUrl: `${server.url}/.well-known/jwks.json`,
    hits: () => hits,
    publish(next) {
      published = next;
    },
    fail(status) {
      failure = status;
    },
  };
}
