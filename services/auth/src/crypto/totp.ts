import { createHmac, randomBytes } from 'node:crypto';
import type { Totp } from '../domain/mfa.ports';

/** What every authenticator app understands (RFC 6238 defaults): HMAC-SHA-1, 6 digits, 30 s. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** 160 bits, the HMAC-SHA-1 output size RFC 4226 §4 asks for as the minimum shared secret. */
const SECRET_BYTES = 20;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export type HotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** RFC 4226 HOTP (RFC 6238 is HOTP of the time step): dynamic truncation of the HMAC of the counter. */
export function hotp(secret: Buffer, counter: number, digits = TOTP_DIGITS, algorithm: HotpAlgorithm = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The RFC 6238 time step (T) of an instant in ms since the epoch. */
export function timeStep(nowMs: number, periodSeconds = TOTP_PERIOD_SECONDS): number {
  return Math.floor(nowMs / 1000 / periodSeconds);
}

/** RFC 4648 base32 without padding, as authenticator apps take secrets. */
export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** The inverse of {@link base32Encode}; case, spaces and padding are ignored. */
export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=]/g, '');
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32_ALPHABET.indexOf(char);
    if (index < 0) throw new Error('not base32');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/**
 * The Key Uri Format authenticator apps scan: `otpauth://totp/<issuer>:<account>?secret=…`.
 * The issuer goes in the label and the parameter, as Google Authenticator and others expect;
 * `encodeURIComponent` keeps spaces as `%20`, which every app reads (a `+` would be shown).
 */
export function otpauthUri(issuer: string, account: string, secret: Buffer): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = [
    `secret=${base32Encode(secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    'algorithm=SHA1',
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

/** TOTP as the domain sees it, with the issuer name the apps show above the code. */
export function createTotp(issuer: string): Totp {
  return {
    newSecret: () => randomBytes(SECRET_BYTES),
    stepAt: (nowMs) => timeStep(nowMs),
    codeAt: (secret, step) => hotp(secret, step),
    provisioning: (secret, account) => ({ secret: base32Encode(secret), otpauthUrl: otpauthUri(issuer, account, secret) }),
  };
}
