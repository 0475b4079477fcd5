/** A client of one running gateway, as a browser or app would use it, for end-to-end tests. */

export interface Call {
  readonly method?: string;
  readonly body?: unknown;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

export interface Session {
  readonly accessToken: string;
  /** The cookies the login set, as a Cookie header. */
  readonly cookies: string;
  readonly csrf: string;
  readonly user: { id: string; emailVerified: boolean };
}

export interface GatewayClient {
  /** JSON in when there is a body (then POST unless told), Bearer when given a token. */
  api(path: string, call?: Call): Promise<Response>;
  /** Registers `email` with the client's password and expects 201. */
  register(email: string): Promise<string>;
  /** Logs in and expects 200. */
  login(email: string, password?: string, userAgent?: string): Promise<Session>;
  refresh(session: Session): Promise<Response>;
  profileStatus(token: string): Promise<number>;
  /** Polls the gateway with the token until it answers 401, and asserts that took under a second from `since`. */
  expectRefusedWithinASecond(token: string, since: number): Promise<void>;
}

export const codeOf = async (response: Response) => ((await response.json()) as { code?: string }).code;

export function gatewayClient(baseUrl: () => string, password: string): GatewayClient {
  const api = (path: string, { method, body, token, headers = {} }: Call = {}): Promise<Response> =>
    fetch(`${baseUrl()}${path}`, {
      method: method ?? (body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const profileStatus = async (token: string) => (await api('/api/user/profile', { token })).status;

  return {
    api,
    profileStatus,
    async register(email) {
      const response = await api('/api/auth/register', { body: { email, password } });
      expect(response.status).toBe(201);
      return email;
    },
    async login(email, withPassword = password, userAgent = 'gatehouse-e2e') {
      const response = await api('/api/auth/login', { body: { email, password: withPassword }, headers: { 'user-agent': userAgent } });
      expect(response.status).toBe(200);
      const cookies = response.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const body = (await response.json()) as { accessToken: string; csrfToken: string; user: Session['user'] };
      return { accessToken: body.accessToken, cookies, csrf: body.csrfToken, user: body.user };
    },
    refresh: (session) => api('/api/auth/refresh', { method: 'POST', headers: { cookie: session.cookies, 'x-csrf-token': session.csrf } }),
    async expectRefusedWithinASecond(token, since) {
      for (;;) {
        if ((await profileStatus(token)) === 401) break;
        if (Date.now() - since > 1_000) throw new Error('the gateway still accepts the ended session’s access token after 1 s');
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(Date.now() - since).toBeLessThan(1_000);
    },
  };
}
