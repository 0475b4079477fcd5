import type { GatehouseClient, GatehouseClientOptions, MfaChallenge, PasskeyInfo, User } from './client.types.js';
import { crossTab } from './cross-tab.js';
import { errorFrom, GatehouseError, send } from './gatehouse-error.js';
import { createPasskey, usePasskey } from './passkeys.js';

interface TokenAnswer {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly user: User;
}

/** The soonest a refresh is scheduled; a token living less than twice this is refreshed at half-life. */
const MIN_REFRESH_DELAY_SECONDS = 5;
/** When a refresh fails for a passing reason and the server names no delay. */
const DEFAULT_RETRY_SECONDS = 10;
/**
 * How long a tab that finds the CSRF cookie rotated while it waited for the lock waits for the
 * refreshing tab's broadcast (a message may trail the lock by a task) before refreshing itself.
 */
const BROADCAST_WAIT_MS = 1_000;

function readCookie(name: string): string | undefined {
  for (const pair of document.cookie.split('; ')) {
    const at = pair.indexOf('=');
    if (pair.slice(0, at) === name) return decodeURIComponent(pair.slice(at + 1));
  }
  return undefined;
}

/** Read at call time: every refresh rotates it. Plain-HTTP development drops the prefix. */
function csrfToken(): string | undefined {
  return readCookie('__Host-csrf_token') || readCookie('csrf_token') || undefined;
}

const sessionOver = (error: unknown): error is GatehouseError => error instanceof GatehouseError && error.status === 401;

async function ok(response: Response): Promise<Response> {
  if (!response.ok) throw await errorFrom(response);
  return response;
}

function withBearer(request: Request, token: string | null): Request {
  const headers = new Headers(request.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return new Request(request.clone(), { headers });
}

/** Creates the page's Gatehouse client; make one per page and share it. */
export function createGatehouseClient(options: GatehouseClientOptions = {}): GatehouseClient {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const margin = options.refreshMarginSeconds ?? 30;
  const listeners = new Set<(reason: string) => void>();
  let accessToken: string | null = null;
  let expiresAt = 0;
  /** When the scheduled refresh is due; a fetch after it (a throttled timer) refreshes first. */
  let refreshAt = 0;
  let user: User | null = null;
  /** Bumped by every token and every ending, so a refresh that waited can tell it was overtaken. */
  let version = 0;
  let endedReason = 'session_ended';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: Promise<void> | undefined;
  let onChange: (() => void) | undefined;

  const tabs = crossTab(options.channelName ?? 'gatehouse', (message) => {
    if (message.type === 'ended') end(message.reason, false);
    else if (message.expiresAt > expiresAt) adopt(message.accessToken, message.expiresAt, message.user);
  });

  function schedule(seconds: number): void {
    clearTimeout(timer);
    refreshAt = Date.now() + seconds * 1000;
    timer = setTimeout(() => {
      refresh().catch((error: unknown) => {
        if (error instanceof GatehouseError && error.transient) schedule(Math.max(1, error.retryAfter ?? DEFAULT_RETRY_SECONDS));
      });
    }, seconds * 1000);
  }

  function changed(): void {
    version += 1;
    onChange?.();
  }

  function adopt(token: string, at: number, who: User): void {
    accessToken = token;
    expiresAt = at;
    user = who;
    changed();
    const lifetime = (at - Date.now()) / 1000;
    schedule(Math.max(lifetime - margin, Math.min(MIN_REFRESH_DELAY_SECONDS, lifetime / 2)));
  }

  function accept(answer: TokenAnswer): User {
    const at = Date.now() + answer.expiresIn * 1000;
    adopt(answer.accessToken, at, answer.user);
    tabs.post({ type: 'token', accessToken: answer.accessToken, expiresAt: at, user: answer.user });
    return answer.user;
  }

  function end(reason: string, tellTabs = true): void {
    accessToken = null;
    expiresAt = 0;
    user = null;
    endedReason = reason;
    clearTimeout(timer);
    changed();
    if (tellTabs) tabs.post({ type: 'ended', reason });
    for (const listener of [...listeners]) listener(reason);
  }

  /** Auth endpoints: JSON in and out, cookies included, the CSRF header whenever there is one. */
  async function call(path: string, body?: object): Promise<unknown> {
    const headers = new Headers({ 'content-type': 'application/json' });
    const csrf = csrfToken();
    if (csrf) headers.set('x-csrf-token', csrf);
    const request = new Request(base + path, { method: 'POST', headers, credentials: 'include', body: body ? JSON.stringify(body) : null });
    const response = await ok(await send(request));
    return response.status === 204 ? undefined : response.json();
  }

  /** Single flight in this tab (one promise) and across tabs (one Web Lock). */
  function refresh(): Promise<void> {
    const asked = version;
    const cookieAsked = csrfToken();
    inflight ??= tabs
      .exclusive(async () => {
        if (version === asked && csrfToken() !== cookieAsked) {
          // Every refresh rotates the CSRF cookie: another tab refreshed, its broadcast is coming.
          await new Promise<void>((resolve) => {
            onChange = resolve;
            setTimeout(resolve, BROADCAST_WAIT_MS);
          });
          onChange = undefined;
        }
        if (version !== asked) {
          // Another tab refreshed (or ended the session) while this one waited: its broadcast
          // answer is the one to use, and a second rotation would only spend the limit.
          if (accessToken) return;
          throw new GatehouseError(401, endedReason, 'The session has ended.');
        }
        try {
          accept((await call('/api/auth/refresh')) as TokenAnswer);
        } catch (error) {
          if (sessionOver(error)) end(error.code);
          throw error;
        }
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  }

  /** A refresh whose 401 is not an error to the caller: the session ended, and was announced. */
  const refreshUnlessEnded = () =>
    refresh().catch((error: unknown) => {
      if (!sessionOver(error)) throw error;
    });

  /** A JSON POST with the access token (refreshed and retried like any `fetch`). */
  async function authPost(path: string, body: object): Promise<unknown> {
    return (await ok(await authFetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }))).json();
  }

  async function authFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(typeof input === 'string' && input.startsWith('/') ? base + input : input, init);
    if (accessToken && Date.now() >= refreshAt) await refreshUnlessEnded();
    const sent = accessToken;
    const response = await send(withBearer(request, sent));
    if (response.status !== 401 || !sent) return response;
    if (accessToken === sent) await refreshUnlessEnded();
    if (!accessToken) return response;
    const retried = await send(withBearer(request, accessToken));
    if (retried.status === 401) end((await errorFrom(retried)).code);
    return retried;
  }

  return {
    register: (input) => call('/api/auth/register', input),
    async login(input) {
      const answer = (await call('/api/auth/login', input)) as TokenAnswer | MfaChallenge;
      return 'mfaRequired' in answer ? answer : accept(answer);
    },
    completeLogin: async (proof) => accept((await call('/api/auth/login/mfa', proof)) as TokenAnswer),
    async loginWithPasskey() {
      const response = await usePasskey((await call('/api/auth/passkeys/login/options')) as Record<string, unknown>);
      return accept((await call('/api/auth/passkeys/login/verify', { response })) as TokenAnswer);
    },
    async registerPasskey(name) {
      const response = await createPasskey((await authPost('/api/auth/passkeys/register/options', {})) as Record<string, unknown>);
      return (await authPost('/api/auth/passkeys/register/verify', name ? { response, name } : { response })) as PasskeyInfo;
    },
    async logout() {
      await call('/api/auth/logout');
      end('logout');
    },
    async logoutAll() {
      const csrf = csrfToken();
      // Bearer, or the refresh cookie and CSRF header when the access token is already gone.
      await ok(await authFetch('/api/auth/logout-all', { method: 'POST', credentials: 'include', headers: csrf ? { 'x-csrf-token': csrf } : {} }));
      end('logout_all');
    },
    verifyEmail: async (token) => void (await call('/api/auth/verify-email', { token })),
    requestPasswordReset: async (email) => void (await call('/api/auth/password/forgot', { email })),
    resetPassword: async (token, password) => void (await call('/api/auth/password/reset', { token, password })),
    async changePassword(currentPassword, newPassword) {
      const body = JSON.stringify({ currentPassword, newPassword });
      await ok(await authFetch('/api/auth/password/change', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
    },
    async restore() {
      // No CSRF cookie, no session: skip a request that could only fail.
      if (!accessToken && csrfToken()) await refreshUnlessEnded();
      return user;
    },
    fetch: authFetch,
    get user() {
      return user;
    },
    onSessionEnded(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
