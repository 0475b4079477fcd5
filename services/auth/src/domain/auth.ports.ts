/** What the auth use cases need from the outside world, as small interfaces. */

import type { AnyEvent } from '@gatehouse/events';
import type { ClientTokenClaims, NewOAuthClient, OAuthClient } from './client.ports';
import type { AuthMethod } from './auth-methods';
import type { SecondFactorStore } from './mfa.ports';
import type { PasskeyTransaction } from './passkey.ports';

export type Role = 'user' | 'admin';

export interface Credential {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly passwordHash: string;
  readonly roles: readonly Role[];
  readonly emailVerified: boolean;
  readonly createdAt: Date;
}

export type NewCredential = Omit<Credential, 'createdAt'>;

export interface CredentialStore {
  /** Inserts; throws `email_taken` when the email is already registered. */
  create(credential: NewCredential): Promise<Credential>;
  /** Inserts unless the email exists; true when it created the row. */
  createIfAbsent(credential: NewCredential): Promise<boolean>;
  findByEmail(email: string): Promise<Credential | undefined>;
  exists(userId: string): Promise<boolean>;
}

/** The identity facts an access token carries, kept with the session so refresh needs no SQL. */
export interface SessionClaims {
  readonly userId: string;
  readonly email: string;
  readonly name: string | null;
  readonly roles: readonly Role[];
  readonly emailVerified: boolean;
}

/** What a refresh token says, once its MAC checked out. */
export interface RefreshTokenClaims {
  readonly userId: string;
  readonly sessionId: string;
  /** 0 at login, +1 per rotation. */
  readonly generation: number;
}

/** Self-authenticating session secrets: nothing usable is stored server-side. */
export interface SessionTokens {
  refreshToken(claims: RefreshTokenClaims): string;
  /** The claims of a token we issued, or undefined for anything else (forged, garbled, absent). */
  readRefreshToken(token: string | undefined): RefreshTokenClaims | undefined;
  /** A fresh CSRF token bound to the session. */
  csrfToken(sessionId: string): string;
  csrfMatches(sessionId: string, token: string): boolean;
}

export type RotationResult =
  | { readonly outcome: 'limited'; readonly retryAfterMs: number }
  | {
      readonly outcome: 'rotated';
      readonly generation: number;
      readonly refreshExpiresIn: number;
      readonly claims: SessionClaims;
      readonly amr: readonly AuthMethod[];
    }
  | { readonly outcome: 'reused'; readonly claims: SessionClaims }
  | { readonly outcome: 'invalid' };

export interface NewSession {
  readonly userId: string;
  readonly sessionId: string;
  readonly claims: SessionClaims;
  /** The session store's time before the credential was read: revocations since then win. */
  readonly notBefore: number;
  /** What the owner will recognise the session by in the sessions list. */
  readonly userAgent: string | null;
  /** How this session signed in; its access tokens say so in `amr`, through every refresh. */
  readonly amr: readonly AuthMethod[];
}

/** A live session as its owner sees it. Times in ms since the epoch. */
export interface SessionInfo {
  readonly sessionId: string;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  readonly userAgent: string | null;
}

export interface SessionStore {
  /** Opens a session at generation 0, unless the user's sessions were revoked since `notBefore`. */
  create(session: NewSession): Promise<{ readonly created: true; readonly refreshExpiresIn: number } | { readonly created: false }>;
  /** Rotates, returns the same successor to the immediate parent within the grace, or ends the session on reuse. */
  rotate(token: RefreshTokenClaims): Promise<RotationResult>;
  exists(userId: string, sessionId: string): Promise<boolean>;
  /** Ends one session; true when it was live. */
  revoke(userId: string, sessionId: string): Promise<boolean>;
  /**
   * Ends every session of a user but `except`, and fences out logins already under way (their
   * credential read may predate a deletion or password change); returns the ended ids.
   */
  revokeAll(userId: string, except?: string): Promise<string[]>;
  /** The user's live sessions, most recently used first. */
  list(userId: string): Promise<SessionInfo[]>;
  /** Marks the email verified in the claims the user's sessions sign. */
  markEmailVerified(userId: string): Promise<void>;
}

/** Login attempts, counted before the password is checked so that parallel guesses all count. */
export interface LoginThrottle {
  /**
   * Counts an attempt on `account` from `address` as a failure until it succeeds; throws
   * `rate_limited` (with `retryAfterSeconds`) while this account may not be tried from there.
   * Returns the session store's time, taken before the credential is read.
   */
  reserve(account: string, address: string): Promise<{ readonly notBefore: number }>;
  /** The attempt proved the password: forgive it and trust the address. */
  succeeded(account: string, address: string): Promise<void>;
  /** The attempt reached no verdict (an outage): it counts as nothing. */
  release(account: string, address: string): Promise<void>;
  /** Forgives every failure on the account so far, from every address (the owner proved the mailbox). */
  clear(account: string): Promise<void>;
}

/** What one database transaction can do; the events it publishes commit with the change. */
export interface AuthTransaction extends SecondFactorStore, PasskeyTransaction {
  /** Inserts; throws `email_taken` when the email is already registered. */
  createCredential(credential: NewCredential): Promise<Credential>;
  findByEmail(email: string): Promise<Credential | undefined>;
  addEmailVerification(tokenHash: string, userId: string, expiresAt: Date): Promise<void>;
  /** Uses the verification once: the user id, or undefined when unknown, used or expired at `now`. */
  useEmailVerification(tokenHash: string, now: Date): Promise<string | undefined>;
  /** Sets the flag; returns the account's email, or undefined when the account is gone. */
  markEmailVerified(userId: string): Promise<string | undefined>;
  findById(userId: string): Promise<Credential | undefined>;
  /** Replaces the password hash (and marks the email verified when asked); the account before, if any. */
  setPassword(userId: string, passwordHash: string, options: { readonly markEmailVerified: boolean }): Promise<Credential | undefined>;
  /** Locks the account for the transaction and voids every unused reset token of the user. */
  voidPasswordResets(userId: string): Promise<void>;
  addPasswordReset(tokenHash: string, userId: string, expiresAt: Date): Promise<void>;
  /** Uses the reset token once: its user id, or undefined when unknown, used or expired at `now`. */
  usePasswordReset(tokenHash: string, now: Date): Promise<string | undefined>;
  /** Whose reset token this is, while it is still usable at `now`; does not use it. */
  peekPasswordReset(tokenHash: string, now: Date): Promise<string | undefined>;
  /** Locks the admins' rows for the rest of the transaction and returns their ids. */
  lockAdmins(): Promise<string[]>;
  deleteCredential(userId: string): Promise<void>;
  /** Locks out other client creations for the rest of the transaction, then counts the clients. */
  countClientsLocked(): Promise<number>;
  insertClient(client: NewOAuthClient): Promise<OAuthClient>;
  /** True when the client existed. */
  deleteClient(clientId: string): Promise<boolean>;
  /** Writes the event to the outbox; the relay publishes it after commit. */
  publish(event: AnyEvent): Promise<void>;
}

export interface Transactions {
  run<T>(work: (tx: AuthTransaction) => Promise<T>): Promise<T>;
  /** Runs `work` in a transaction that also records `eventId` as handled, unless it already was. */
  once(eventId: string, work: (tx: AuthTransaction) => Promise<void>): Promise<boolean>;
}

export interface Limiter {
  hit(key: string): Promise<{ readonly allowed: boolean; readonly retryAfterMs: number }>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** A hash of the configured cost, to spend the same time when the account does not exist. */
  readonly dummyHash: string;
}

export interface AccessToken {
  readonly token: string;
  readonly expiresIn: number;
}

export interface AccessTokenSigner {
  sign(claims: SessionClaims, sessionId: string, amr: readonly AuthMethod[]): AccessToken;
  /** A service's token from the client credentials grant. */
  signForClient(claims: ClientTokenClaims): AccessToken;
}

/** Opaque random secrets and their storage form. */
export interface SecretGenerator {
  /** ≥ 256 random bits, URL-safe. */
  token(): string;
  /** The one-way digest stored instead of the secret. */
  digest(secret: string): string;
  uuid(): string;
}

export type { Clock } from '@gatehouse/events';
