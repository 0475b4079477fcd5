import type { AccessTokenClaims } from './access-token-claims';

interface Entry {
  readonly claims: AccessTokenClaims;
  readonly kid: string;
}

/**
 * Successful verifications by token string, bounded, oldest evicted first. An entry is good
 * until its token's `exp`; a hit skips the signature check that dominates per-request cost.
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

  set(token: string, entry: Entry): void {
    if (this.maxEntries <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, entry);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
