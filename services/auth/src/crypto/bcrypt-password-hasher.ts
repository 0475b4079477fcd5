import { createHmac } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { PasswordHasher } from '../domain/auth.ports';
import { normalizePassword } from '../domain/password-policy';

/**
 * bcrypt reads at most 72 bytes and stops at a NUL byte, so long passphrases would be silently
 * truncated. Every password is first reduced to a fixed 44-character HMAC-SHA256 digest
 * (base64, no NULs); the key is a domain-separation label, not a secret.
 */
const PREHASH_KEY = 'gatehouse/password/v1';

function prehash(password: string): string {
  return createHmac('sha256', PREHASH_KEY).update(normalizePassword(password), 'utf8').digest('base64');
}

/** Async bcrypt runs on the libuv pool, off the event loop. */
export async function createBcryptPasswordHasher(cost: number): Promise<PasswordHasher> {
  const dummyHash = await bcrypt.hash(prehash('gatehouse dummy password for unknown accounts'), cost);
  return {
    dummyHash,
    hash: (password) => bcrypt.hash(prehash(password), cost),
    verify: (password, hash) => bcrypt.compare(prehash(password), hash),
  };
}
