import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

export type VerificationAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface VerificationKey {
  key: KeyObject;
  alg: VerificationAlgorithm;
}

function algorithmFor(jwk: Record<string, unknown>): VerificationAlgorithm | undefined {
  if (jwk.kty === 'RSA' && (jwk.alg === undefined || jwk.alg === 'RS256')) return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && (jwk.alg === undefined || jwk.alg === 'ES256')) return 'ES256';
  // RFC 8037 §3.1: EdDSA over Ed25519 only (Ed448 is not accepted).
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && (jwk.alg === undefined || jwk.alg === 'EdDSA')) return 'EdDSA';
  return undefined;
}

/** Only the public members, so a JWKS that leaks a private part never yields a private key. */
function publicMembers(jwk: Record<string, unknown>): JsonWebKey {
  if (jwk.kty === 'RSA') return { kty: 'RSA', n: jwk.n as string, e: jwk.e as string };
  if (jwk.kty === 'OKP') return { kty: 'OKP', crv: jwk.crv as string, x: jwk.x as string };
  return { kty: 'EC', crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string };
}

function toKey(jwk: Record<string, unknown>, alg: VerificationAlgorithm): KeyObject | undefined {
  try {
    const key = createPublicKey({ key: publicMembers(jwk), format: 'jwk' });
    if (alg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return undefined;
    return key;
  } catch {
    return undefined;
  }
}

/**
 * Parses a JWK Set into public keys by `kid`, once, so verification never touches JSON or the
 * network. Keeps only signing keys for RS256 (≥ 2048 bits), ES256 and EdDSA (Ed25519); a kid that appears twice is
 * ambiguous and dropped entirely.
 */
export function keysFromJwks(jwks: unknown): Map<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  if (jwks === null || typeof jwks !== 'object' || !Array.isArray((jwks as { keys?: unknown }).keys)) return keys;
  const duplicated = new Set<string>();
  for (const entry of (jwks as { keys: unknown[] }).keys) {
    if (entry === null || typeof entry !== 'object') continue;
    const jwk = entry as Record<string, unknown>;
    if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    const alg = algorithmFor(jwk);
    const key = alg && toKey(jwk, alg);
    if (!alg || !key) continue;
    if (keys.has(jwk.kid) || duplicated.has(jwk.kid)) {
      keys.delete(jwk.kid);
      duplicated.add(jwk.kid);
      continue;
    }
    keys.set(jwk.kid, { key, alg });
  }
  return keys;
}
