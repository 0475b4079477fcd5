import type { AccessTokenClaims } from './access-token-claims';

/** More than one, so the cache shrinks faster than it grows once tokens start expiring. */
const EXPIRED_DROPPED_PER_SET = 4;

interface Entry {
  readonly claims: AccessTokenClaims;
  readonly kid: string;
}

/**
 * Successful verifications by token string, bounded, oldest evicted first. An entry is good
 * until its token's `exp`; a hit skips the signature check that dominates per-request cost.
 * Expired entries at the old end go as new ones come in, so a quiet period does not keep a
 * full cache of dead tokens (tokens share one lifetime, so insertion order is nearly `exp` order).
 */
export class VerificationCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries: number) {}

  get(token: string, nowSeconds: number): Entry | undefined {
    const entry = this.entries.get(token);
    if (entry && entry.claims.exp <= nowSeconds) {
      this.entries.delete(token);
      return undefined;
    }
    return entry;
  }

  set(token: string, entry: Entry, nowSeconds: number): void {
    if (this.maxEntries <= 0) return;
    this.dropExpiredOldest(nowSeconds);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, entry);
  }

  /** A few at a time, so one call never walks the whole map. */
  private dropExpiredOldest(nowSeconds: number): void {
    for (let i = 0; i < EXPIRED_DROPPED_PER_SET; i += 1) {
      const oldest = this.entries.entries().next();
      if (oldest.done || oldest.value[1].claims.exp > nowSeconds) return;
      this.entries.delete(oldest.value[0]);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
