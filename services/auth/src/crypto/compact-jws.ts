import { sign, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm, SigningKey } from './signing-keys';

/** Signs a JWS signing input (`header.payload`) with one key. */
type Signature = (data: Buffer, key: KeyObject) => Buffer;

/**
 * RFC 7518 §3.4: ECDSA signatures are R‖S (64 bytes for P-256), not DER. RFC 8037 §3.1: Ed25519
 * hashes internally, so no digest is named.
 */
const SIGNATURES: Record<SigningAlgorithm, Signature> = {
  RS256: (data, key) => sign('sha256', data, key),
  ES256: (data, key) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }),
  EdDSA: (data, key) => sign(null, data, key),
};

/** Signs compact JWS for one key and header; the header is encoded once, not per token. */
export interface CompactJwsSigner {
  readonly kid: string;
  sign(payload: Readonly<Record<string, unknown>>): string;
}

/**
 * A compact JWS signer over node:crypto. The header names the key's own algorithm, so a token
 * never claims an algorithm its key cannot make; `typ` goes into the header beside `alg` and `kid`.
 */
export function compactJwsSigner(key: SigningKey, typ: string): CompactJwsSigner {
  const header = Buffer.from(JSON.stringify({ alg: key.algorithm, typ, kid: key.kid })).toString('base64url');
  const signature = SIGNATURES[key.algorithm];
  return {
    kid: key.kid,
    sign(payload) {
      const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
      return `${input}.${signature(Buffer.from(input), key.privateKey).toString('base64url')}`;
    },
  };
}
