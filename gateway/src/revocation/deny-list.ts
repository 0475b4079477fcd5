import { createExpiringIds, type ExpiringIds } from './expiring-ids';

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
  /**
   * Forgets expired entries, soonest expiring first, until it meets a live entry or has handled
   * `limit` entries (all by default). Returns true when it met a live entry or the end, false
   * when the limit stopped it first. An expired entry is forgotten at the latest by the first
   * complete prune after it has been in the list for the TTL.
   */
  prune(limit?: number): boolean;
  readonly size: number;
}

/**
 * Entries one `prune` call should handle before yielding to requests: about a millisecond of
 * work even before the code is optimised. A mass revocation expires all at once, and a million
 * entries forgotten in one call would hold the event loop for hundreds of milliseconds.
 */
export const PRUNE_SLICE = 1024;

/**
 * An in-memory deny list, checked on every request without any network call. Entries only
 * need to live as long as the access tokens they refuse; after that the tokens expire anyway.
 * A revocation is permanent, so an entry living longer than needed refuses nothing wrongly:
 * a revocation heard twice (live and again in a catch-up) keeps the later expiry. An entry
 * that expired out of place (learned late) refuses nothing, and is forgotten once the ones
 * before it are: at most the TTL after it was added.
 */
export function createDenyList(options: DenyListOptions): DenyList {
  const now = options.now ?? Date.now;
  const users = createExpiringIds(options.ttlMs);
  const sessions = createExpiringIds(options.ttlMs);
  // Apart from users: a client id must never be looked up as, or collide with, a user id.
  const clients = createExpiringIds(options.ttlMs);
  const revoke = (entries: ExpiringIds, ids: readonly string[], atMs: number | undefined) => {
    const until = (atMs ?? now()) + options.ttlMs;
    // Every token such an entry would refuse has expired already: remembering it costs memory only.
    if (until > now()) entries.extend(ids, until);
  };
  return {
    revokeUser: (userId, atMs) => revoke(users, [userId], atMs),
    revokeSessions: (sessionIds, atMs) => revoke(sessions, sessionIds, atMs),
    revokeClient: (clientId, atMs) => revoke(clients, [clientId], atMs),
    has: (userId, sessionId) => users.live(userId, now()) || sessions.live(sessionId, now()),
    hasClient: (clientId) => clients.live(clientId, now()),
    prune(limit = Infinity) {
      const at = now();
      let budget = limit;
      for (const entries of [users, sessions, clients]) {
        budget = entries.pruneFront(at, budget);
        if (budget < 0) return false;
      }
      return true;
    },
    get size() {
      return users.size + sessions.size + clients.size;
    },
  };
}
