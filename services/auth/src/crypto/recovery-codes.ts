import { createHmac, randomBytes } from 'node:crypto';
import type { RecoveryCodes } from '../domain/mfa.ports';

export const RECOVERY_CODE_COUNT = 10;
/** Crockford's base32: no I, L, O or U, so a code copied off paper is not misread. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** 10 characters of 5 bits: 50 bits, out of reach online (each guess is throttled) and short to type. */
const CODE_CHARS = 10;
const CODE_SHAPE = /^[0-9a-hjkmnp-tv-z]{10}$/;

function newCode(): string {
  // 256 is a multiple of 32: every character is uniform.
  const chars = [...randomBytes(CODE_CHARS)].map((byte) => ALPHABET[byte & 31]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** What the user typed as we compare it: case, spaces and dashes ignored, Crockford's look-alikes read as digits. */
export function normalizeRecoveryCode(typed: string): string | undefined {
  const code = typed.toLowerCase().replace(/[\s-]/g, '').replace(/o/g, '0').replace(/[il]/g, '1');
  return CODE_SHAPE.test(code) ? code : undefined;
}

/**
 * Ten single-use codes per confirmation. The digest is an HMAC under a server key and the user
 * id: without the key a leaked table is no list of codes to try, and equal codes of two users
 * never collide.
 */
export function createRecoveryCodes(key: Buffer): RecoveryCodes {
  const digestOf = (userId: string, code: string) => createHmac('sha256', key).update(`${userId}:${code}`).digest('base64url');
  return {
    issue(userId) {
      const codes = new Set<string>();
      while (codes.size < RECOVERY_CODE_COUNT) codes.add(newCode());
      return { codes: [...codes], digests: [...codes].map((code) => digestOf(userId, normalizeRecoveryCode(code)!)) };
    },
    digest(userId, typed) {
      const code = normalizeRecoveryCode(typed);
      return code === undefined ? undefined : digestOf(userId, code);
    },
  };
}
