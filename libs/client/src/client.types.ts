/** The signed-in user, as the token answer describes them. */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly roles: readonly string[];
  readonly emailVerified: boolean;
}

/**
 * What `login` answers for an account with a second factor: no session yet. Finish with
 * `completeLogin` within `expiresIn` seconds, using one of `methods`.
 */
export interface MfaChallenge {
  readonly mfaRequired: true;
  readonly mfaToken: string;
  readonly methods: readonly ('totp' | 'recovery_code')[];
  readonly expiresIn: number;
}

/** The second step of a login: the `mfaToken` and a code of the authenticator app or a recovery code. */
export type MfaProof = { readonly mfaToken: string; readonly code: string } | { readonly mfaToken: string; readonly recoveryCode: string };

/** A passkey as registered: `name` is the one given, the provider's, or "Passkey". */
export interface PasskeyInfo {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface GatehouseClientOptions {
  /** Where the gateway answers, e.g. `https://auth.example.com`; same origin when omitted. */
  readonly baseUrl?: string;
  /** How long before the access token expires the client refreshes it (default 30 s). */
  readonly refreshMarginSeconds?: number;
  /** BroadcastChannel name shared by the tabs of one app (default `gatehouse`). */
  readonly channelName?: string;
}

/**
 * A browser session with Gatehouse. The access token lives only in this object's memory; the
 * refresh token stays in its HttpOnly cookie. Failures reject with a `GatehouseError`.
 */
export interface GatehouseClient {
  /** Creates an account; resolves to the API's answer (201 account, or 202 `{status}`). */
  register(input: { email: string; password: string; name?: string }): Promise<unknown>;
  /**
   * Opens a session and shares its token with the other tabs; for an account with a second
   * factor, resolves to an `MfaChallenge` instead (`'mfaRequired' in result`) and opens nothing.
   */
  login(input: { email: string; password: string }): Promise<User | MfaChallenge>;
  /** The second step after an `MfaChallenge`: opens the session like `login`. */
  completeLogin(proof: MfaProof): Promise<User>;
  /**
   * Signs in with a passkey, no email or password: the browser offers the passkeys it holds for
   * the site. Rejects with the browser's `DOMException` (`NotAllowedError`) if the person cancels.
   */
  loginWithPasskey(): Promise<User>;
  /** Creates a passkey for the signed-in user (the browser asks the person to verify) and registers it. */
  registerPasskey(name?: string): Promise<PasskeyInfo>;
  /** Ends this browser's session; every tab is told. */
  logout(): Promise<void>;
  /** Ends every session of the user, on every device; every tab is told. */
  logoutAll(): Promise<void>;
  verifyEmail(token: string): Promise<void>;
  /** Always succeeds for a well-formed address, known or not. */
  requestPasswordReset(email: string): Promise<void>;
  resetPassword(token: string, password: string): Promise<void>;
  /** Ends every other session of the user; this one lives on. */
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  /** On page load: a silent refresh from the cookie. Null when there is no session. */
  restore(): Promise<User | null>;
  /**
   * `fetch` with the access token attached. Refreshes a token about to expire first; after a
   * 401 refreshes once and retries once. A 401 after that ends the session and is returned.
   * Rejects (without ending the session) when refresh answers 429, 503 or cannot connect.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The signed-in user, or null. */
  readonly user: User | null;
  /**
   * Called when the session ends, in this tab or another: `logout`, `logout_all`, or the code
   * the API gave (`refresh_token_invalid`, `refresh_token_reused`, `token_invalid` …).
   * Returns the function that unsubscribes.
   */
  onSessionEnded(listener: (reason: string) => void): () => void;
}
