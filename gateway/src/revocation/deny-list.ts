export interface DenyListOptions {
  /** How long an entry is kept: no access token issued before the revocation outlives it. */
  readonly ttlMs: number;
  /** Milliseconds since the epoch; tests move it. */
  readonly now?: () => number;
}

/** Users, sessions and OAuth clients whose still-unexpired access tokens must be refused. */
export interface DenyList {
  revokeUser(userId: string): void;
  revokeSessions(sessionIds: readonly string[]): void;
  revokeClient(clientId: string): void;
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
  return {
    revokeUser(userId) {
      users.set(userId, now() + options.ttlMs);
    },
    revokeSessions(sessionIds) {
      const until = now() + options.ttlMs;
      for (const id of sessionIds) sessions.set(id, until);
    },
    revokeClient(clientId) {
      clients.set(clientId, now() + options.ttlMs);
    },
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
