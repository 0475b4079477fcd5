import { Router } from 'express';
import { createHttpApp } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { serveOnFreePort, type RunningServer } from '@gatehouse/testing';
import { claimsFromPayload, createJwksVerifier, requireAccessToken, requireAmr, SECOND_FACTOR_METHODS, TokenRejection, type JwksVerifier } from '../src';
import { AUDIENCE, ISSUER, claimsFor, generateTestKey, serveJwks, signToken, type JwksServer } from './token-fixtures';

const logger = createLogger({ service: 'jwt-amr-test', level: 'silent' });
const key = generateTestKey('ES256');
const rules = {
  issuer: ISSUER,
  audience: AUDIENCE,
  clockToleranceSeconds: 0,
  get nowSeconds() {
    return Math.floor(Date.now() / 1000);
  },
};
const SERVICE = 'svc_AAAAAAAAAAAAAAAAAAAAAA';
const serviceClaims = { sub: SERVICE, client_id: SERVICE, sid: undefined, email: undefined, name: undefined, email_verified: undefined, scope: 'reports' };

describe('amr claim', () => {
  it('when a user token carries amr, then the claims list its methods', () => {
    const claims = claimsFromPayload(claimsFor({ amr: ['pwd', 'otp'] }), rules);
    expect(claims).toMatchObject({ kind: 'user', amr: ['pwd', 'otp'] });
  });

  it('when a user token was issued before amr existed, then its methods are empty', () => {
    expect(claimsFromPayload(claimsFor({ amr: undefined }), rules)).toMatchObject({ kind: 'user', amr: [] });
  });

  it.each([
    ['a string', 'otp'],
    ['a number in the list', ['pwd', 1]],
    ['an empty value', ['']],
    ['a value with spaces', ['p w d']],
    ['too many values', Array.from({ length: 17 }, (_, i) => `m${i}`)],
  ])('when amr is %s, then the token is refused', (_name, amr) => {
    expect(() => claimsFromPayload(claimsFor({ amr }), rules)).toThrow(TokenRejection);
  });
});

describe('requireAmr', () => {
  let jwks: JwksServer;
  let verifier: JwksVerifier;
  let server: RunningServer;

  beforeAll(async () => {
    jwks = await serveJwks([key]);
    verifier = createJwksVerifier({ jwksUrl: jwks.jwksUrl, issuer: ISSUER, audience: AUDIENCE, logger });
    await verifier.refresh();
    const http = createHttpApp({ service: 'jwt-amr-test', logger, trustProxyHops: 0, readinessChecks: {} });
    const routes = Router();
    const ok = (_req: unknown, res: { json(body: unknown): void }) => res.json({ ok: true });
    routes.get('/step-up', requireAccessToken(verifier), requireAmr(...SECOND_FACTOR_METHODS), ok);
    routes.get('/step-up-or-service', requireAccessToken(verifier, { acceptServiceTokens: true }), requireAmr(...SECOND_FACTOR_METHODS), ok);
    server = await serveOnFreePort(http.finish(routes));
  });
  afterAll(async () => {
    verifier.close();
    await Promise.all([server.close(), jwks.close()]);
  });

  const get = (path: string, claims: Record<string, unknown>) =>
    fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${signToken(key, { claims })}` } });

  it.each([
    ['a password only', ['pwd']],
    ['no amr at all', undefined],
    ['an unknown method', ['pwd', 'sms']],
  ])('when the user signed in with %s, then 403 mfa_required and the token is not called invalid', async (_name, amr) => {
    const response = await get('/step-up', { amr });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(await response.json()).toMatchObject({ code: 'mfa_required', status: 403 });
  });

  it.each([['otp'], ['hwk'], ['swk']])('when the user signed in with a password and %s, then the handler runs', async (method) => {
    expect((await get('/step-up', { amr: ['pwd', method] })).status).toBe(200);
  });

  it('when a route takes service tokens too, then a service token passes the rule (it has no login to strengthen) and a password-only user does not', async () => {
    expect((await get('/step-up-or-service', serviceClaims)).status).toBe(200);
    expect((await get('/step-up-or-service', { amr: ['pwd'] })).status).toBe(403);
  });

  it('when no method is named, then mounting the rule fails at start', () => {
    expect(() => requireAmr()).toThrow(/at least one method/);
  });
});
