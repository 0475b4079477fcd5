import { sign, type KeyObject } from 'node:crypto';

/** The JWS algorithm a test key signs with: EC keys are P-256 (ES256), Ed25519 is EdDSA, RSA is RS256. */
export function algorithmOf(key: KeyObject): 'ES256' | 'EdDSA' | 'RS256' {
  if (key.asymmetricKeyType === 'ec') return 'ES256';
  return key.asymmetricKeyType === 'ed25519' ? 'EdDSA' : 'RS256';
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs a compact JWS synchronously, for tests that forge or mint tokens (wrong key, wrong claims,
 * extra header fields). `alg` comes from the key unless the header names one. Not for production:
 * it signs whatever it is given.
 */
export function signTestJwt(payload: Record<string, unknown>, key: KeyObject, header: Record<string, unknown> = {}): string {
  const alg = algorithmOf(key);
  const input = `${encode({ alg, ...header })}.${encode(payload)}`;
  const hash = alg === 'EdDSA' ? null : 'sha256';
  // JWS wants the raw r||s for ECDSA (RFC 7518 §3.4), not node's default DER.
  const signature = sign(hash, Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}
