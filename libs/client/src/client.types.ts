/** The signed-in user, as the token answer describes them. */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly roles: readonly string[];
  readonly emailVerified: boolean;
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
  /** Opens a session and shares its token with the other tabs. */
  login(input: { email: string; password: string }): Promise<User>;
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
