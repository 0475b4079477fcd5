import { createRemoteJWKSet, jwtVerify } from 'jose';
import { claimsFromPayload } from '@gatehouse/jwt';
import { startAuth, type AuthHarness } from './auth-harness';
import {
  basic,
  byBasic,
  byPost,
  createClient,
  expectNoStore,
  expectOAuthError,
  form,
  newAddress,
  requestToken,
  signInAdmin,
  TOKEN,
  type CreatedClient,
  type TokenBody,
} from './oauth-client-fixtures';

const IP_LIMIT = 5;
const CLIENT_LIMIT = 8;

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('token', {
    TRUST_PROXY_HOPS: '1',
    LOGIN_IP_LIMIT: '1000',
    TOKEN_IP_LIMIT: String(IP_LIMIT),
    TOKEN_CLIENT_LIMIT: String(CLIENT_LIMIT),
    OAUTH_SCOPES: 'users:read users:write reports:read',
  });
});
afterAll(() => harness.close());

const newClient = async (body?: object) => createClient(harness, await signInAdmin(harness), body);

async function verifiedToken(token: string) {
  const jwks = createRemoteJWKSet(new URL(`${harness.url}/.well-known/jwks.json`));
  return jwtVerify(token, jwks, { issuer: harness.config.JWT_ISSUER, audience: harness.config.JWT_AUDIENCE, typ: 'at+jwt' });
}

describe('POST /api/auth/token: tokens', () => {
  it('when a client authenticates with HTTP Basic, then it gets a Bearer token that jose verifies as an RFC 9068 service token', async () => {
    const client = await newClient();
    const response = await byBasic(harness, client);
    expect(response.status).toBe(200);
    expectNoStore(response);
    const body = (await response.json()) as TokenBody;
    const ttl = harness.config.ACCESS_TOKEN_TTL_SECONDS;
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: ttl, scope: 'users:read users:write' });

    const { payload, protectedHeader } = await verifiedToken(body.access_token);
    expect(protectedHeader).toMatchObject({ typ: 'at+jwt', alg: 'RS256', kid: harness.keys.signing.kid });
    expect(payload).toMatchObject({ sub: client.clientId, client_id: client.clientId, scope: 'users:read users:write', roles: ['reporter'] });
    expect(payload).not.toHaveProperty('sid');
    expect(payload).not.toHaveProperty('email');
    expect(payload).not.toHaveProperty('name');
    expect(payload.exp! - payload.iat!).toBe(ttl);
    expect(payload.jti).toEqual(expect.any(String));
    const claims = claimsFromPayload(payload, {
      issuer: harness.config.JWT_ISSUER,
      audience: harness.config.JWT_AUDIENCE,
      clockToleranceSeconds: 0,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    expect(claims).toMatchObject({ kind: 'service', clientId: client.clientId, scopes: ['users:read', 'users:write'], roles: ['reporter'] });
  });

  it('when a client posts its id and secret in the body (client_secret_post), then it gets a token too', async () => {
    const client = await newClient();
    const response = await byPost(harness, client);
    expect(response.status).toBe(200);
    const { payload } = await verifiedToken(((await response.json()) as TokenBody).access_token);
    expect(payload.sub).toBe(client.clientId);
  });

  it('when a client asks for some of its scopes, then the token carries only those', async () => {
    const client = await newClient();
    const response = await byBasic(harness, client, { scope: 'users:read' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as TokenBody;
    expect(body.scope).toBe('users:read');
    expect((await verifiedToken(body.access_token)).payload.scope).toBe('users:read');
  });

  it('when a client has no scopes, then the token has none and still verifies as a service token', async () => {
    const client = await newClient({ name: 'bare', scopes: [], roles: [] });
    const body = (await (await byBasic(harness, client)).json()) as TokenBody;
    expect(body.scope).toBe('');
    const { payload } = await verifiedToken(body.access_token);
    expect(payload).not.toHaveProperty('scope');
    expect(payload).toMatchObject({ client_id: client.clientId, roles: [] });
  });
});

describe('POST /api/auth/token: refusals', () => {
  it.each([
    ['a scope the server offers but the client was not granted', 'reports:read'],
    ['one granted and one not', 'users:read reports:read'],
    ['a scope nobody offers', 'users:delete'],
    ['a malformed scope list', 'users:read  users:write'],
  ])('when a client asks for %s, then 400 invalid_scope', async (_case, scope) => {
    const client = await newClient();
    await expectOAuthError(await byBasic(harness, client, { scope }), 400, 'invalid_scope');
  });

  const grant = form({ grant_type: 'client_credentials' });
  it.each<[string, (client: CreatedClient) => Promise<Response>]>([
    ['a wrong secret by Basic', (c) => requestToken(harness, grant, { authorization: basic(c.clientId, `${c.clientSecret}x`) })],
    ['a wrong secret by post', (c) => requestToken(harness, form({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: 'wrong' }))],
    ['an unknown client', () => requestToken(harness, grant, { authorization: basic(`svc_${'A'.repeat(22)}`, 'x'.repeat(43)) })],
    [
      'a malformed client id',
      (c) => requestToken(harness, form({ grant_type: 'client_credentials', client_id: 'not-a-client', client_secret: c.clientSecret })),
    ],
    ['no client authentication', () => requestToken(harness, grant)],
    ['an id without a secret', (c) => requestToken(harness, form({ grant_type: 'client_credentials', client_id: c.clientId }))],
    ['a Bearer header instead of Basic', (c) => requestToken(harness, grant, { authorization: `Bearer ${c.clientSecret}` })],
    ['Basic without a colon', (c) => requestToken(harness, grant, { authorization: `Basic ${Buffer.from(c.clientId).toString('base64')}` })],
  ])('when the request has %s, then 401 invalid_client with a Basic challenge', async (_case, send) => {
    const response = await send(await newClient());
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="gatehouse"');
    await expectOAuthError(response, 401, 'invalid_client');
  });

  it('when a client authenticates by Basic and by post at once, then 400 invalid_request', async () => {
    const client = await newClient();
    const both = await requestToken(harness, form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }), {
      authorization: basic(client.clientId, client.clientSecret),
    });
    await expectOAuthError(both, 400, 'invalid_request');
  });

  it.each([
    ['JSON', 'application/json', JSON.stringify({ grant_type: 'client_credentials' })],
    ['malformed JSON', 'application/json', '{grant_type'],
    ['plain text', 'text/plain', 'grant_type=client_credentials'],
  ])('when the body is %s, then 400 invalid_request in OAuth form', async (_case, type, body) => {
    const client = await newClient();
    const response = await requestToken(harness, body, { 'content-type': type, authorization: basic(client.clientId, client.clientSecret) });
    await expectOAuthError(response, 400, 'invalid_request');
  });

  it.each([
    ['grant_type twice', 'grant_type=client_credentials&grant_type=client_credentials'],
    ['scope twice', 'grant_type=client_credentials&scope=users:read&scope=users:write'],
    ['no grant_type', 'scope=users:read'],
    ['a body over 4 KB', `grant_type=client_credentials&padding=${'x'.repeat(4096)}`],
  ])('when the request has %s, then 400 invalid_request', async (_case, body) => {
    const client = await newClient();
    await expectOAuthError(await requestToken(harness, body, { authorization: basic(client.clientId, client.clientSecret) }), 400, 'invalid_request');
  });

  it.each(['password', 'authorization_code', 'refresh_token'])('when the grant is %s, then 400 unsupported_grant_type', async (grantType) => {
    const client = await newClient();
    await expectOAuthError(await byBasic(harness, client, { grant_type: grantType }), 400, 'unsupported_grant_type');
  });

  it('when the endpoint answers anything (method not allowed, too many requests), then it is never cacheable', async () => {
    const get = await fetch(`${harness.url}${TOKEN}`);
    await expectOAuthError(get, 405, 'invalid_request');
    expect(get.headers.get('allow')).toBe('POST');
    const address = newAddress();
    const answers = await Promise.all(Array.from({ length: IP_LIMIT + 1 }, () => requestToken(harness, '', {}, address)));
    expect(answers.map((r) => r.status).sort()).toEqual([...Array<number>(IP_LIMIT).fill(400), 429]);
    answers.forEach(expectNoStore);
  });
});

describe('POST /api/auth/token: limits and logs', () => {
  it('when one address sends a parallel burst, then exactly the limit succeed and the rest get 429 temporarily_unavailable with Retry-After', async () => {
    const client = await newClient();
    const address = newAddress();
    const answers = await Promise.all(Array.from({ length: IP_LIMIT * 3 }, () => byBasic(harness, client, {}, address)));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(IP_LIMIT);
    const limited = answers.filter((r) => r.status === 429);
    expect(limited).toHaveLength(IP_LIMIT * 2);
    for (const response of limited) {
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await expectOAuthError(response, 429, 'temporarily_unavailable');
    }
  });

  it("when someone spams a client's public id with wrong secrets, then the client is not locked out; its own requests are limited", async () => {
    const client = await newClient();
    const guess = form({ grant_type: 'client_credentials' });
    const spam = await Promise.all(
      Array.from({ length: CLIENT_LIMIT * 2 }, () => requestToken(harness, guess, { authorization: basic(client.clientId, 'guess') })),
    );
    expect(spam.every((r) => r.status === 401)).toBe(true);
    for (let i = 0; i < CLIENT_LIMIT; i += 1) expect((await byBasic(harness, client)).status).toBe(200);
    await expectOAuthError(await byBasic(harness, client), 429, 'temporarily_unavailable');
  });

  it('when tokens are issued and refused, then no log line holds the secret, the Basic credentials or the token', async () => {
    const client = await newClient();
    const { access_token: token } = (await (await byBasic(harness, client)).json()) as TokenBody;
    expect((await byPost(harness, client)).status).toBe(200);
    expect((await requestToken(harness, form({ grant_type: 'client_credentials' }), { authorization: basic(client.clientId, 'wrong-secret') })).status).toBe(
      401,
    );
    const logs = harness.logs.text();
    expect(logs).toContain(TOKEN);
    for (const secret of [client.clientSecret, basic(client.clientId, client.clientSecret).slice('Basic '.length), token, 'wrong-secret']) {
      expect(logs).not.toContain(secret);
    }
  });
});

describe('discovery metadata', () => {
  it('when the metadata is fetched, then it names the token endpoint, the grant, the client authentication methods and the scopes, and nothing it lacks', async () => {
    const metadata = (await (await fetch(`${harness.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(metadata).toEqual({
      issuer: harness.config.JWT_ISSUER,
      jwks_uri: `${harness.config.APP_URL}/.well-known/jwks.json`,
      token_endpoint: `${harness.config.APP_URL}/api/auth/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['users:read', 'users:write', 'reports:read'],
    });
  });
});
