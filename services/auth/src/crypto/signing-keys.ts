import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export type SigningAlgorithm = 'ES256' | 'RS256' | 'EdDSA';

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'RS256', 'EdDSA'];

/**
 * New keys are EC P-256: signing costs a tenth of RSA-2048 (auth signs at every login and
 * refresh), and every verifier we target accepts it (Envoy/Istio jwt_authn, AWS REST API JWT
 * authorizers, jose). RS256 stays for verifiers that take RSA only (AWS HTTP API authorizers);
 * EdDSA is faster still but less widely accepted. Measured in bench/RESULTS.md.
 */
export const DEFAULT_SIGNING_ALGORITHM: SigningAlgorithm = 'ES256';

export interface SigningKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly privateKey: KeyObject;
}

export interface PublicJwk extends JsonWebKey {
  readonly kid: string;
  readonly use: 'sig';
  readonly alg: SigningAlgorithm;
}

export interface Jwks {
  readonly keys: readonly PublicJwk[];
}

export interface KeySet {
  /** The key new tokens are signed with. */
  readonly signing: SigningKey;
  /** Everything gateways should accept: the signing key plus keys being rotated in or out. */
  readonly jwks: Jwks;
}

function algorithmOf(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new Error(`RSA signing keys must have at least 2048 bits (got ${bits})`);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  throw new Error(`Unsupported signing key type ${key.asymmetricKeyType}; use EC P-256, RSA (≥2048) or Ed25519`);
}

/** RFC 7638 §3.2 required members, per key type (RFC 8037 §2 for OKP). */
function thumbprintMembers(jwk: JsonWebKey): Record<string, unknown> {
  if (jwk.kty === 'RSA') return { e: jwk.e, kty: jwk.kty, n: jwk.n };
  if (jwk.kty === 'OKP') return { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
}

/** RFC 7638 thumbprint: a kid that is stable for a key and needs no configuration. */
function thumbprint(jwk: JsonWebKey): string {
  return createHash('sha256')
    .update(JSON.stringify(thumbprintMembers(jwk)))
    .digest('base64url');
}

export function publicJwk(publicKey: KeyObject): PublicJwk {
  const jwk = publicKey.export({ format: 'jwk' });
  return { ...jwk, kid: thumbprint(jwk), use: 'sig', alg: algorithmOf(publicKey) };
}

/** A private key from PEM text, with the public JWK verifiers are given for it. */
export function signingKeyFromPem(privatePem: string): { readonly signing: SigningKey; readonly jwk: PublicJwk } {
  const privateKey = createPrivateKey(privatePem);
  const jwk = publicJwk(createPublicKey(privateKey));
  return { signing: { kid: jwk.kid, algorithm: jwk.alg, privateKey }, jwk };
}

/** Builds the key set from PEM text: one private signing key, any number of extra public keys. */
export function keySetFromPem(privatePem: string, extraPublicPems: readonly string[] = []): KeySet {
  const { signing, jwk } = signingKeyFromPem(privatePem);
  const extra = extraPublicPems.map((pem) => publicJwk(createPublicKey(pem))).filter((k) => k.kid !== jwk.kid);
  return { signing, jwks: { keys: [jwk, ...extra] } };
}

export async function loadKeySet(privateKeyFile: string, publicKeyFiles: readonly string[]): Promise<KeySet> {
  const [privatePem, ...publicPems] = await Promise.all([privateKeyFile, ...publicKeyFiles].map((f) => readFile(f, 'utf8')));
  return keySetFromPem(privatePem!, publicPems);
}

/** Writes `content` to `file` unless it exists; `wx` makes two processes racing here keep one. */
async function writeOnce(file: string, content: string): Promise<boolean> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, content, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** A new private signing key as PKCS#8 PEM. */
export function generateSigningKeyPem(algorithm: SigningAlgorithm = DEFAULT_SIGNING_ALGORITHM): string {
  const { privateKey } =
    algorithm === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** For local development only: creates a signing key at `file` unless one is there (a kept key keeps its algorithm). */
export async function ensureDevSigningKey(file: string, algorithm: SigningAlgorithm = DEFAULT_SIGNING_ALGORITHM): Promise<boolean> {
  return writeOnce(file, generateSigningKeyPem(algorithm));
}

/** For local development only: creates a 256-bit session secret at `file` unless one is there. */
export async function ensureDevSessionSecret(file: string): Promise<boolean> {
  return writeOnce(file, randomBytes(32).toString('base64url'));
}
