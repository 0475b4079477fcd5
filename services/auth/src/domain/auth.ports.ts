/** What the auth use cases need from the outside world, as small interfaces. */

import type { AnyEvent } from '@gatehouse/events';

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
}

/** The identity facts an access token carries, kept with the session so refresh needs no SQL. */
export interface SessionClaims {
  readonly userId: string;
  readonly email: string;
  readonly name: string | null;
  readonly roles: readonly Role[];
  readonly emailVerified: boolean;
}

export type RotationResult =
  | { readonly outcome: 'limited'; readonly retryAfterMs: number }
  | { readonly outcome: 'rotated'; readonly sessionId: string; readonly claims: SessionClaims }
  | { readonly outcome: 'reused'; readonly sessionId: string; readonly userId: string }
  | { readonly outcome: 'invalid' };

export interface RefreshTokenStore {
  /** Starts a session (token family) with its first refresh token. */
  createSession(sessionId: string, tokenHash: string, claims: SessionClaims): Promise<void>;
  /**
   * Atomically retires `oldHash` for `newHash`, or detects reuse and revokes the family; counts
   * the client address against its refresh limit in the same step.
   */
  rotate(oldHash: string, newHash: string, clientAddress: string): Promise<RotationResult>;
  /** Revokes the session the token belongs to; returns its id, if there was one. */
  revokeByToken(tokenHash: string): Promise<string | undefined>;
  /** Revokes every session of a user; returns their ids. */
  revokeAllForUser(userId: string): Promise<string[]>;
  /** Marks the email verified in the claims of every live session of the user. */
  markEmailVerified(userId: string): Promise<void>;
}

/** What one database transaction can do; the events it publishes commit with the change. */
export interface AuthTransaction {
  /** Inserts; throws `email_taken` when the email is already registered. */
  createCredential(credential: NewCredential): Promise<Credential>;
  findByEmail(email: string): Promise<Credential | undefined>;
  addEmailVerification(tokenHash: string, userId: string, expiresAt: Date): Promise<void>;
  /** Uses the verification once: the user id, or undefined when unknown, used or expired at `now`. */
  useEmailVerification(tokenHash: string, now: Date): Promise<string | undefined>;
  /** Sets the flag; returns the account's email, or undefined when the account is gone. */
  markEmailVerified(userId: string): Promise<string | undefined>;
  deleteCredential(userId: string): Promise<void>;
  /** Writes the event to the outbox; the relay publishes it after commit. */
  publish(event: AnyEvent): Promise<void>;
}

export interface Transactions {
  run<T>(work: (tx: AuthTransaction) => Promise<T>): Promise<T>;
  /** Runs `work` in a transaction that also records `eventId` as handled, unless it already was. */
  once(eventId: string, work: (tx: AuthTransaction) => Promise<void>): Promise<boolean>;
}

export interface Limiter {
  hit(key: string): Promise<{ readonly allowed: boolean }>;
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
  sign(claims: SessionClaims, sessionId: string): AccessToken;
}

/** Opaque random secrets and their storage form. */
export interface SecretGenerator {
  /** ≥ 256 random bits, URL-safe. */
  token(): string;
  /** The one-way digest stored instead of the secret. */
  digest(secret: string): string;
  uuid(): string;
}

export type Clock = () => number;
