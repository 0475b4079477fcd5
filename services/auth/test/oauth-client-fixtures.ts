import { Client, email, type AuthHarness, type LoginBody } from './auth-harness';

/** Helpers for the client credentials tests: admins, clients and token requests against one harness. */

export const TOKEN = '/api/auth/token';
const FORM = 'application/x-www-form-urlencoded';
const ADMIN_PASSWORD = 'a strong admin passphrase';

export interface CreatedClient {
  clientId: string;
  clientSecret: string;
  name: string;
  scopes: string[];
  roles: string[];
  createdAt: string;
}

export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

export const READER = { name: 'Reporting job', scopes: ['users:read', 'users:write'], roles: ['reporter'] };

/** A fresh admin (bootstrapped, verified) signed in; `browser` holds its session cookies. */
export async function signInAdmin(on: AuthHarness): Promise<LoginBody & { browser: Client }> {
  const address = email('admin');
  await on.auth.bootstrapAdmin(address, ADMIN_PASSWORD);
  const browser = new Client(on.url);
  const response = await browser.post('/api/auth/login', { email: address, password: ADMIN_PASSWORD });
  if (response.status !== 200) throw new Error(`admin login answered ${response.status}`);
  return { ...((await response.json()) as LoginBody), browser };
}

export function withBearer(on: AuthHarness, token: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${on.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function createClient(on: AuthHarness, by: LoginBody, body: object = READER): Promise<CreatedClient> {
  const response = await withBearer(on, by.accessToken, 'POST', '/api/admin/clients', body);
  if (response.status !== 201) throw new Error(`create client answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as CreatedClient;
}

/** RFC 6749 §2.3.1: each part form-urlencoded, then Basic. */
export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

let addresses = 0;
/** Each token request from its own address, unless a test is about the per-address limit. */
export function newAddress(): string {
  addresses += 1;
  return `10.${(addresses >> 16) & 255}.${(addresses >> 8) & 255}.${addresses & 255}`;
}

/** A form POST to the token endpoint, from `address` (the harness must trust one proxy hop). */
export function requestToken(on: AuthHarness, body: string, headers: Record<string, string> = {}, address = newAddress()): Promise<Response> {
  return fetch(`${on.url}${TOKEN}`, { method: 'POST', headers: { 'content-type': FORM, 'x-forwarded-for': address, ...headers }, body });
}

export const byBasic = (on: AuthHarness, client: CreatedClient, params: Record<string, string> = {}, address?: string) =>
  requestToken(on, form({ grant_type: 'client_credentials', ...params }), { authorization: basic(client.clientId, client.clientSecret) }, address);

export const byPost = (on: AuthHarness, client: CreatedClient, params: Record<string, string> = {}) =>
  requestToken(on, form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret, ...params }));

export function expectNoStore(response: Response): void {
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('pragma')).toBe('no-cache');
}

/** RFC 6749 §5.2: `{error, error_description}` JSON, never cacheable. */
export async function expectOAuthError(response: Response, status: number, error: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expectNoStore(response);
  expect(await response.json()).toEqual({ error, error_description: expect.any(String) });
}
