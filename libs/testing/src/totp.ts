import { createHmac } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const PERIOD_MS = 30_000;

function base32Bytes(secret: string): Buffer {
  const bits = [...secret.toUpperCase().replace(/=+$/, '')].map((char) => {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    return value.toString(2).padStart(5, '0');
  });
  const bytes = bits.join('').match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((byte) => parseInt(byte, 2)));
}

/** The RFC 6238 time step of an instant (30-second steps). */
export function totpStep(atMs: number): number {
  return Math.floor(atMs / PERIOD_MS);
}

/**
 * A test's own RFC 6238 (SHA-1, 6 digits, 30 s) from the base32 secret a service handed out,
 * independent of the service's implementation: the code an authenticator app shows at `step`.
 */
export function totpCode(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Bytes(secret)).update(counter).digest();
  const offset = mac[19]! & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** Six digits that are no code of the secret for any step within `spread` of `step`. */
export function wrongTotpCode(secret: string, step: number, spread = 2): string {
  const valid = new Set(Array.from({ length: 2 * spread + 1 }, (_, i) => totpCode(secret, step - spread + i)));
  for (let candidate = 0; ; candidate++) {
    const code = String(candidate).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}
