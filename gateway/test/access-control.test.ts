import { managementUrl } from '@gatehouse/testing';
import { generateTestKey, signHs256WithPublicKey, signToken, tamper, unsignedToken } from '../../libs/jwt/test/token-fixtures';
import { rawGet, startGateway, type Gateway } from './gateway-harness';

const now = () => Math.floor(Date.now() / 1000);
const foreign = generateTestKey('RS256');

describe('gateway access control', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gw.url}${path}`, { headers });

  it('when a valid token is presented, then the request reaches the user service with its path, token and request id, and spoofed identity headers are gone', async () => {
    const token = signToken(gw.key, { claims: { sub: 'user-42' } });
    const response = await get('/api/user/me?x=1', {
      authorization: `Bearer ${token}`,
      'x-request-id': 'trace-abc-123',
      'x-user-id': 'admin',
      'x-user-roles': 'admin',
      'x-user-email': 'root@example.com',
      'x-gatehouse-identity': 'forged',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('trace-abc-123');
    const seen = gw.user.seen.at(-1)!;
    expect(seen).toMatchObject({ method: 'GET', url: '/api/user/me?x=1' });
    expect(seen.headers.authorization).toBe(`Bearer ${token}`);
    expect(seen.headers['x-request-id']).toBe('trace-abc-123');
    for (const name of ['x-user-id', 'x-user-roles', 'x-user-email', 'x-gatehouse-identity']) expect(seen.headers[name]).toBeUndefined();
  });

  it('when no proxy is trusted and the client sends forwarding headers, then upstream sees only the real peer', async () => {
    await get('/api/user/me', {
      authorization: `Bearer ${signToken(gw.key)}`,
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-host': 'evil.example',
      forwarded: 'for=6.6.6.6',
    });
    const seen = gw.user.seen.at(-1)!;
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-host']).not.toBe('evil.example');
    expect(seen.headers.forwarded).toBeUndefined();
  });

  it('when no request id is given, then one is made and forwarded', async () => {
    const response = await get('/api/user/me', { authorization: `Bearer ${signToken(gw.key)}` });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(gw.user.seen.at(-1)!.headers['x-request-id']).toBe(id);
  });

  it.each([
    ['no Authorization header', {}],
    ['a Basic Authorization header', { authorization: 'Basic dXNlcjpwYXNz' }],
  ])('when the request has %s, then it gets 401 with a Bearer challenge and never reaches upstream', async (_name, headers) => {
    const before = gw.upstreamHits();
    const response = await get('/api/user/me', headers);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await response.json()).toMatchObject({ code: 'token_missing', status: 401 });
    expect(gw.upstreamHits()).toBe(before);
  });

  it('when the token only comes in the query string or a cookie, then it is ignored', async () => {
    const token = signToken(gw.key);
    const before = gw.upstreamHits();
    const response = await get(`/api/user/me?access_token=${token}`, { cookie: `access_token=${token}` });
    expect(response.status).toBe(401);
    expect(gw.upstreamHits()).toBe(before);
  });

  it.each([
    ['alg none', () => unsignedToken(gw.key)],
    ['HS256 signed with the public key', () => signHs256WithPublicKey(gw.key)],
    ['a tampered payload', () => tamper(signToken(gw.key), { roles: ['admin'] })],
    ['an expired token', () => signToken(gw.key, { claims: { iat: now() - 3600, exp: now() - 600 } })],
    ['a wrong issuer', () => signToken(gw.key, { claims: { iss: 'someone-else' } })],
    ['a wrong audience', () => signToken(gw.key, { claims: { aud: 'another-api' } })],
    ['a wrong typ', () => signToken(gw.key, { header: { typ: 'JWT' } })],
    ['an unknown kid', () => signToken(foreign)],
    ['a foreign key claiming the published kid', () => signToken(foreign, { header: { kid: gw.key.kid } })],
    ['a jku header', () => signToken(gw.key, { header: { jku: 'http://evil.example/jwks' } })],
    ['garbage', () => 'garbage'],
    ['an oversized token', () => `${signToken(gw.key)}${'A'.repeat(9000)}`],
  ])('when the token has %s, then it gets 401 invalid_token and the upstream receives nothing', async (_name, build) => {
    const before = gw.upstreamHits();
    const response = await get('/api/admin/users', { authorization: `Bearer ${build()}` });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await response.json()).toMatchObject({ code: 'token_invalid' });
    expect(gw.upstreamHits()).toBe(before);
  });

  it('when a user without the admin role calls an admin path, then it gets 403 and the upstream receives nothing', async () => {
    const before = gw.upstreamHits();
    const response = await get('/api/admin/users', { authorization: `Bearer ${signToken(gw.key, { claims: { roles: ['user'] } })}` });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'forbidden' });
    expect(gw.upstreamHits()).toBe(before);
  });

  it.each(['/API/ADMIN/users', '/api/%61dmin/users'])('when the admin prefix is disguised as %s, then the role is still required', async (path) => {
    const before = gw.upstreamHits();
    const response = await get(path, { authorization: `Bearer ${signToken(gw.key, { claims: { roles: ['user'] } })}` });
    expect(response.status).toBe(403);
    expect(gw.upstreamHits()).toBe(before);
  });

  it.each(['/api/user/%2e%2e/admin/users', '/api/user/../admin/users', '/api/user//me'])(
    'when the path %s is ambiguous, then it is refused before any check or upstream',
    async (path) => {
      const before = gw.upstreamHits();
      const status = await rawGet(gw.url, path, { authorization: `Bearer ${signToken(gw.key)}` });
      expect(status).toBe(404);
      expect(gw.upstreamHits()).toBe(before);
    },
  );

  it('when an admin calls an admin path, then it reaches the user service with the full path', async () => {
    const response = await get('/api/admin/users?page=2', { authorization: `Bearer ${signToken(gw.key, { claims: { roles: ['user', 'admin'] } })}` });
    expect(response.status).toBe(200);
    expect(gw.user.seen.at(-1)!.url).toBe('/api/admin/users?page=2');
  });

  it('when a path only shares a prefix with a protected one, then it is not proxied', async () => {
    const before = gw.upstreamHits();
    const response = await get('/api/users');
    expect(response.status).toBe(404);
    expect(gw.upstreamHits()).toBe(before);
  });

  it('when the JWKS server goes away, then tokens keep verifying with the cached keys', async () => {
    await gw.jwks.close();
    const response = await get('/api/user/me', { authorization: `Bearer ${signToken(gw.key, { claims: { sub: 'after-jwks-down' } })}` });
    expect(response.status).toBe(200);
    const ready = await fetch(`${managementUrl(gw.url)}/readyz`);
    expect(ready.status).toBe(200);
  });
});
