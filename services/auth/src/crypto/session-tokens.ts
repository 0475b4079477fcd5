import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RefreshTokenClaims, SessionTokens } from '../domain/auth.ports';

/** Bumped when the layout changes, so an old token is refused rather than misread. */
const VERSION = 1;
const UUID_BYTES = 16;
const GENERATION_BYTES = 4;
/** HMAC-SHA256 cut to 128 bits: forging one still takes 2^128 guesses, and the cookie stays short. */
const TAG_BYTES = 16;
const BODY_BYTES = 1 + UUID_BYTES + UUID_BYTES + GENERATION_BYTES;
/** base64url of 53 bytes. */
const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{71}$/;
const CSRF_NONCE_BYTES = 16;
/** base64url of nonce + tag (32 bytes). */
const CSRF_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_GENERATION = 0xffff_ffff;

function uuidBytes(uuid: string): Buffer {
  if (!UUID.test(uuid)) throw new Error('not a lower-case UUID');
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function uuidText(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Independent keys for independent purposes, so one kind of token never passes for another. */
function subkey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gatehouse/session-tokens', purpose, 32));
}

/**
 * Refresh and CSRF tokens that the server can check without storing them.
 *
 * A refresh token names its user, session and generation and is authenticated with a server
 * key: Redis keeps only each session's current generation, so reuse detection costs the same
 * after one refresh as after a thousand, Redis holds nothing a thief could present, and the
 * successor of a token is always the same value (a lost response can be retried and gets the
 * token it missed, never a second branch). A forged or garbled token is refused here, before
 * any Redis call.
 *
 * A CSRF token is a nonce with an HMAC binding it to one session, so a value planted by a
 * sibling subdomain (cookie tossing) does not pair with the victim's session.
 */
export function createSessionTokens(secret: string): SessionTokens {
  const refreshKey = subkey(secret, 'refresh-token/v1');
  const csrfKey = subkey(secret, 'csrf-token/v1');
  const tag = (key: Buffer, ...parts: Buffer[]) => {
    const mac = createHmac('sha256', key);
    for (const part of parts) mac.update(part);
    return mac.digest().subarray(0, TAG_BYTES);
  };

  const readRefreshToken = (token: string): RefreshTokenClaims | undefined => {
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== BODY_BYTES + TAG_BYTES || bytes.readUInt8(0) !== VERSION) return undefined;
    const body = bytes.subarray(0, BODY_BYTES);
    if (!timingSafeEqual(bytes.subarray(BODY_BYTES), tag(refreshKey, body))) return undefined;
    return {
      userId: uuidText(body.subarray(1, 1 + UUID_BYTES)),
      sessionId: uuidText(body.subarray(1 + UUID_BYTES, 1 + 2 * UUID_BYTES)),
      generation: body.readUInt32BE(1 + 2 * UUID_BYTES),
    };
  };
  let lastRead: { readonly token: string; readonly claims: RefreshTokenClaims | undefined } | undefined;

  return {
    refreshToken(claims) {
      if (!Number.isInteger(claims.generation) || claims.generation < 0 || claims.generation > MAX_GENERATION) {
        throw new Error('generation out of range');
      }
      const body = Buffer.alloc(BODY_BYTES);
      body.writeUInt8(VERSION, 0);
      uuidBytes(claims.userId).copy(body, 1);
      uuidBytes(claims.sessionId).copy(body, 1 + UUID_BYTES);
      body.writeUInt32BE(claims.generation, 1 + 2 * UUID_BYTES);
      return Buffer.concat([body, tag(refreshKey, body)]).toString('base64url');
    },
    readRefreshToken(token): RefreshTokenClaims | undefined {
      if (typeof token !== 'string' || !REFRESH_TOKEN_SHAPE.test(token)) return undefined;
      // The CSRF guard and then the use case read the same cookie within one request: the second
      // read is answered from here. The answer depends on the token alone, so it cannot go stale.
      if (lastRead?.token === token) return lastRead.claims;
      const claims = readRefreshToken(token);
      lastRead = { token, claims };
      return claims;
    },
    csrfToken(sessionId) {
      const nonce = randomBytes(CSRF_NONCE_BYTES);
      return Buffer.concat([nonce, tag(csrfKey, Buffer.from(sessionId), nonce)]).toString('base64url');
    },
    csrfMatches(sessionId, token) {
      if (!CSRF_TOKEN_SHAPE.test(token)) return false;
      const bytes = Buffer.from(token, 'base64url');
      const nonce = bytes.subarray(0, CSRF_NONCE_BYTES);
      return timingSafeEqual(bytes.subarray(CSRF_NONCE_BYTES), tag(csrfKey, Buffer.from(sessionId), nonce));
    },
  };
}
