import { createHash } from 'node:crypto';

/**
 * Every Redis key the auth service uses, in one place (all after the client's `keyPrefix`, which
 * holds no brace). The part in braces is a Redis Cluster hash tag: keys with the same tag share a
 * slot, hence a node. The rules that keep auth working on a cluster (REDIS_CLUSTER_NODES):
 * - one call (script, MULTI, multi-key command) touches keys of one tag only: a user's sessions,
 *   one account's login counters, one MFA login. `defineScript` refuses anything else.
 * - a script gets every key it touches in KEYS, built here; Lua never builds a key name.
 * - work over several tags (several users, accounts) is one call per tag, pipelined if need be.
 * A new key gets a helper here with the tag of what it is used together with.
 *
 *   sess:{<user>}                  hash    a user's claims, revoke-all fence and sessions, each with its
 *                                          generation and refreshes in the current window (a listpack:
 *                                          the fields are in session.scripts.ts)
 *   sessions:{<user>}              hash    the same before the listpack layout; read and moved into
 *                                          sess:{<user>} by every session script (session-legacy.scripts.ts)
 *   login:{<account>}:pair:<addr>  hash    n (failed or pending attempts), last (ms)
 *   login:{<account>}:failures     string  failed or pending attempts from every address, per window
 *   login:{<account>}:trusted      set     addresses this account logged in from
 *   login:{<account>}:cleared      string  ms: failures before it are forgiven (a password reset)
 *   rl:<limit>:<subject>           string  hits in the current window (fixed window)
 *   mfa-login:{<token digest>}     hash    a login waiting for its second factor: user, version,
 *                                          notBefore, amr, expiresAt (ms), attempts
 *   mfa-failures:{<user>}          string  one-time codes tried on the account in the current window
 *   passkey-challenge:{<digest>}   hash    a WebAuthn challenge not yet answered: purpose
 *                                          (register: user, session; login), expiresAt (ms)
 */
export const redisKeys = {
  sessions: (userId: string) => `sess:{${userId}}`,
  legacySessions: (userId: string) => `sessions:{${userId}}`,
  loginPair: (account: string, address: string) => `login:{${account}}:pair:${address}`,
  loginFailures: (account: string) => `login:{${account}}:failures`,
  loginTrusted: (account: string) => `login:{${account}}:trusted`,
  loginCleared: (account: string) => `login:{${account}}:cleared`,
  rateLimit: (limit: string, subject: string) => `rl:${limit}:${subject}`,
  mfaLogin: (tokenDigest: string) => `mfa-login:{${tokenDigest}}`,
  mfaFailures: (userId: string) => `mfa-failures:{${userId}}`,
  passkeyChallenge: (challengeDigest: string) => `passkey-challenge:{${challengeDigest}}`,
};

/** Emails are personal data: keys carry a digest instead. */
export function accountKey(email: string): string {
  return createHash('sha256').update(email).digest('base64url').slice(0, 32);
}
