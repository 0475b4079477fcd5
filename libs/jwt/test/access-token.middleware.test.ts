import { Router } from 'express';
import { AppError } from '@gatehouse/errors';
import { createHttpApp } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { serveOnFreePort, type RunningServer } from '@gatehouse/testing';
import {
  createJwksVerifier,
  identityOf,
  requireAccessToken,
  requireRole,
  requireScope,
  userIdentityOf,
  type AccessTokenClaims,
  type AccessTokenVerifier,
  type JwksVerifier,
} from '../src';
import { AUDIENCE, ISSUER, UNREACHABLE_JWKS_URL, generateTestKey, serveJwks, serviceClaims, signToken, type JwksServer } from './token-fixtures';

const logger = createLogger({ service: 'jwt-middleware-test', level: 'silent' });
const key = generateTestKey('ES256');

describe('access token middleware', () => {
  let jwks: JwksServer;
  let verifier: JwksVerifier;
  let server: RunningServer;
  const revokedSessions = new Set<string>();

  beforeAll(async () => {
    jwks = await serveJwks([key]);
    verifier = createJwksVerifier({ jwksUrl: jwks.jwksUrl, issuer: ISSUER, audience: AUDIENCE, logger });
    await verifier.refresh();
    const http = createHttpApp({ service: 'jwt-test', logger, trustProxyHops: 0, readinessChecks: {} });
    const routes = Router();
    const authenticated = requireAccessToken(verifier, { isRevoked: (claims: AccessTokenClaims) => claims.kind === 'user' && revokedSessions.has(claims.sid) });
    routes.get('/me', authenticated, (_req, res) => {
      res.json(identityOf(res));
    });
    routes.get('/admin', authenticated, requireRole('admin'), (_req, res) => {
      res.json({ ok: true });
    });
    routes.get('/unguarded', (_req, res) => {
      res.json(identityOf(res));
    });
    const userOrService = requireAccessToken(verifier, { acceptServiceTokens: true });
    routes.get('/any-caller', userOrService, (_req, res) => {
      res.json(identityOf(res));
    });
    routes.get('/scoped', userOrService, requireScope('users:read'), (_req, res) => {
      res.json(identityOf(res));
    });
    routes.get('/user-only-handler', userOrService, (_req, res) => {
      res.json(userIdentityOf(res));
    });
    server = await serveOnFreePort(http.finish(routes));
  });
  afterAll(async () => {
    verifier.close();
    await Promise.all([server.close(), jwks.close()]);
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });

  it('when the bearer token is valid, then the handler sees the verified identity', async () => {
    const response = await get('/me', { authorization: `bearer ${signToken(key, { claims: { sub: 'user-7' } })}` });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: 'user-7', emailVerified: true });
  });

  it('when no Authorization header is sent, then 401 token_missing with a bare Bearer challenge', async () => {
    const response = await get('/me');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toMatchObject({ code: 'token_missing' });
  });

  it('when the token is only in the query string, then it is not looked at', async () => {
    const response = await get(`/me?access_token=${signToken(key)}`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'token_missing' });
  });

  it.each([['Bearer '], ['Bearer a b'], ['Bearer not.a.token']])('when the header is "%s", then 401 invalid_token', async (header) => {
    const response = await get('/me', { authorization: header });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await response.json()).toMatchObject({ code: 'token_invalid' });
  });

  it('when the session of a valid token is revoked, then 401 invalid_token', async () => {
    revokedSessions.add('revoked-session');
    const response = await get('/me', { authorization: `Bearer ${signToken(key, { claims: { sid: 'revoked-session' } })}` });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('when the bearer lacks the required role, then 403 forbidden; with it, the handler runs', async () => {
    expect((await get('/admin', { authorization: `Bearer ${signToken(key, { claims: { roles: ['user'] } })}` })).status).toBe(403);
    expect((await get('/admin', { authorization: `Bearer ${signToken(key, { claims: { roles: ['admin'] } })}` })).status).toBe(200);
  });

  const bearer = (claims: Record<string, unknown> = {}) => ({ authorization: `Bearer ${signToken(key, { claims })}` });

  it('when a valid service token meets a route that did not opt in, then 403 problem+json, not 401 (the token is good elsewhere)', async () => {
    const response = await get('/me', bearer(serviceClaims({ roles: ['admin'], scope: 'users:read' })));
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(await response.json()).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('when a route accepts service tokens, then the handler sees the client and its scopes', async () => {
    const claims = serviceClaims({ scope: 'users:read users:write' });
    const response = await get('/any-caller', bearer(claims));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ kind: 'service', clientId: claims.sub, sub: claims.sub, scopes: ['users:read', 'users:write'] });
  });

  it('when a service token lacks the required scope, then 403 problem+json with an insufficient_scope challenge naming it', async () => {
    const response = await get('/scoped', bearer(serviceClaims({ scope: 'users:write' })));
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="users:read"');
    expect(await response.json()).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('when a service token holds the required scope, then the handler runs', async () => {
    expect((await get('/scoped', bearer(serviceClaims({ scope: 'users:write users:read' })))).status).toBe(200);
  });

  it('when a user calls a scoped route, then the scope is not asked of them (roles govern users)', async () => {
    const response = await get('/scoped', bearer({ roles: ['user'] }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ kind: 'user' });
  });

  it('when a handler needs a signed-in user and gets a service token, then 403; a user gets through', async () => {
    const refused = await get('/user-only-handler', bearer(serviceClaims()));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'forbidden' });
    expect((await get('/user-only-handler', bearer())).status).toBe(200);
  });

  it.each(['users read', 'users:"read', ''])('when a route asks for the scope "%s", then wiring fails at startup (it would garble the challenge)', (scope) => {
    expect(() => requireScope(scope)).toThrow(/not a valid OAuth scope/);
  });

  it('when a handler asks for the identity without the middleware, then it fails closed with 500', async () => {
    const response = await get('/unguarded', { authorization: `Bearer ${signToken(key)}` });
    expect(response.status).toBe(500);
  });
});

describe('access token middleware when the verifier cannot get keys', () => {
  const servers: RunningServer[] = [];
  const verifiers: JwksVerifier[] = [];

  async function guarded(verifier: AccessTokenVerifier): Promise<RunningServer> {
    const http = createHttpApp({ service: 'jwt-test', logger, trustProxyHops: 0, readinessChecks: {} });
    const routes = Router();
    routes.get('/me', requireAccessToken(verifier), (_req, res) => {
      res.json(identityOf(res));
    });
    const server = await serveOnFreePort(http.finish(routes));
    servers.push(server);
    return server;
  }

  afterAll(async () => {
    for (const verifier of verifiers) verifier.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  it('when no JWKS has been loaded yet, then a valid token gets 503 problem+json with Retry-After, never 401', async () => {
    const verifier = createJwksVerifier({ jwksUrl: UNREACHABLE_JWKS_URL, issuer: ISSUER, audience: AUDIENCE, logger, fetchTimeoutMs: 500 });
    verifiers.push(verifier);
    const server = await guarded(verifier);

    const response = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${signToken(key)}` } });

    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(await response.json()).toMatchObject({ status: 503, code: 'dependency_unavailable' });
  });

  it('when the verifier fails with any other error, then 401 invalid_token', async () => {
    const failing: AccessTokenVerifier = {
      verify: () => Promise.reject(new AppError('upstream_unavailable', 'Something else broke.')),
      ready: () => true,
      refresh: () => Promise.resolve(),
    };
    const server = await guarded(failing);

    const response = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${signToken(key)}` } });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await response.json()).toMatchObject({ code: 'token_invalid' });
  });
});
