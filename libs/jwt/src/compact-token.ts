import { verify as verifySignature } from 'node:crypto';
import { TokenRejection } from './access-token-claims';
import type { VerificationAlgorithm, VerificationKey } from './jwks-keys';

/** Larger tokens are refused before any parsing: real access tokens are well under 2 KiB. */
export const MAX_TOKEN_BYTES = 8 * 1024;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** RFC 9068 access tokens; `application/` prefix is the long form of the same media type. */
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt']);
/** Headers that would let the token choose its own key or demand unknown processing. */
const FORBIDDEN_HEADERS = ['crit', 'jku', 'x5u', 'x5c', 'jwk'];
/** Asymmetric only: `none` and HS256 (a public key used as an HMAC secret) never get this far. */
const ALLOWED_ALGORITHMS: ReadonlySet<unknown> = new Set<VerificationAlgorithm>(['RS256', 'ES256', 'EdDSA']);
/** ES256 is R‖S of 32 bytes each (RFC 7518 §3.4); Ed25519 signatures are 64 bytes (RFC 8032). */
const FIXED_SIGNATURE_BYTES = 64;

export interface ParsedToken {
  readonly kid: string;
  readonly alg: VerificationAlgorithm;
  readonly signingInput: string;
  readonly payloadSegment: string;
  readonly signature: Buffer;
}

function decodeJson(segment: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenRejection(`${what} is not JSON`);
  }
}

/** Splits a compact JWS and checks its header; nothing here trusts the token yet. */
export function parseToken(token: string): ParsedToken {
  if (token.length > MAX_TOKEN_BYTES) throw new TokenRejection('token too large');
  if (!COMPACT_JWS.test(token)) throw new TokenRejection('not a compact JWS');
  const [headerSegment = '', payloadSegment = '', signatureSegment = ''] = token.split('.');
  const header = decodeJson(headerSegment, 'header');
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new TokenRejection('header is not an object');
  const h = header as Record<string, unknown>;
  for (const name of FORBIDDEN_HEADERS) {
    if (Object.hasOwn(h, name)) throw new TokenRejection(`header ${name} is not accepted`);
  }
  if (typeof h.typ !== 'string' || !ACCESS_TOKEN_TYPES.has(h.typ.toLowerCase())) throw new TokenRejection('typ is not at+jwt');
  if (!ALLOWED_ALGORITHMS.has(h.alg)) throw new TokenRejection('alg not allowed');
  if (typeof h.kid !== 'string' || h.kid.length === 0) throw new TokenRejection('kid missing');
  return {
    kid: h.kid,
    alg: h.alg as VerificationAlgorithm,
    signingInput: `${headerSegment}.${payloadSegment}`,
    payloadSegment,
    signature: Buffer.from(signatureSegment, 'base64url'),
  };
}

/** Checks the signature with the key the JWKS published for the kid, under that key's alg only. */
export function checkSignature(parsed: ParsedToken, key: VerificationKey): unknown {
  if (parsed.alg !== key.alg) throw new TokenRejection('alg does not match the key');
  const data = Buffer.from(parsed.signingInput);
  const { signature } = parsed;
  const valid =
    key.alg === 'RS256'
      ? verifySignature('sha256', data, key.key, signature)
      : key.alg === 'ES256'
        ? signature.length === FIXED_SIGNATURE_BYTES && verifySignature('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature)
        : signature.length === FIXED_SIGNATURE_BYTES && verifySignature(null, data, key.key, signature);
  if (!valid) throw new TokenRejection('bad signature');
  return decodeJson(parsed.payloadSegment, 'payload');
}
