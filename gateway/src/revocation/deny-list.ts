export interface DenyListOptions {
  /** How long an entry is kept: no access token issued before the revocation outlives it. */
  readonly ttlMs: number;
  /** Milliseconds since the epoch; tests move it. */
  readonly now?: () => number;
}

/**
 * Users, sessions and OAuth clients whose still-unexpired access tokens must be refused.
 * `atMs` is when the revocation happened (ms since the epoch), for one learned late (a
 * catch-up after a start or reconnect): its entry then expires when it would have, had it
 * been heard live. Without it, the revocation is taken as happening now.
 */
export interface DenyList {
  revokeUser(userId: string, atMs?: number): void;
  revokeSessions(sessionIds: readonly string[], atMs?: number): void;
  revokeClient(clientId: string, atMs?: number): void;
  /** True when the user or the session was revoked less than the TTL ago. */
  has(userId: string, sessionId: string): boolean;
  /** True when the client (a service token's `sub`) was revoked less than the TTL ago. */
  hasClient(clientId: string): boolean;
  /** Forgets entries past their TTL. */
  prune(): void;
  readonly size: number;
}

/**
 * An in-memory deny list, checked on every request without any network call. Entries only
 * need to live as long as the access tokens they refuse; after that the tokens expire anyway.
 * A revocation is permanent, so an entry living longer than needed refuses nothing wrongly:
 * a revocation heard twice (live and again in a catch-up) keeps the later expiry.
 */
export function createDenyList(options: DenyListOptions): DenyList {
  const now = options.now ?? Date.now;
  const users = new Map<string, number>();
  const sessions = new Map<string, number>();
  // Apart from users: a client id must never be looked up as, or collide with, a user id.
  const clients = new Map<string, number>();
  const live = (entries: Map<string, number>, key: string) => {
    const until = entries.get(key);
    if (until === undefined) return false;
    if (until > now()) return true;
    entries.delete(key);
    return false;
  };
  const revoke = (entries: Map<string, number>, keys: readonly string[], atMs: number | undefined) => {
    const until = (atMs ?? now()) + options.ttlMs;
    // Every token such an entry would refuse has expired already: remembering it costs memory only.
    if (until <= now()) return;
    for (const key of keys) if ((entries.get(key) ?? 0) < until) entries.set(key, until);
  };
  return {
    revokeUser: (userId, atMs) => revoke(users, [userId], atMs),
    revokeSessions: (sessionIds, atMs) => revoke(sessions, sessionIds, atMs),
    revokeClient: (clientId, atMs) => revoke(clients, [clientId], atMs),
    has: (userId, sessionId) => live(users, userId) || live(sessions, sessionId),
    hasClient: (clientId) => live(clients, clientId),
    prune() {
      const at = now();
      for (const entries of [users, sessions, clients]) {
        for (const [key, until] of entries) if (until <= at) entries.delete(key);
      }
    },
    get size() {
      return users.size + sessions.size + clients.size;
    },
  };
}
