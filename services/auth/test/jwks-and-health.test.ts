import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { managementUrl } from '@gatehouse/testing';

import { keySetFromPem } from '../src/crypto/signing-keys';
import { startAuth, registerAndLogin, type AuthHarness } from './auth-harness';

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuth('jwks');
});
afterAll(() => harness.close());

describe('GET /.well-known/jwks.json', () => {
  it('when fetched, then it lists the public signing key by kid with a cache lifetime, and tokens verify with it', async () => {
    const response = await fetch(`${harness.url}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const jwks = (await response.json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toHaveLength(1);
    const key = jwks.keys[0]!;
    expect(key).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', kid: expect.any(String), n: expect.any(String), e: 'AQAB' });
    expect(key).not.toHaveProperty('d');
    const { body } = await registerAndLogin(harness);
    expect(decodeProtectedHeader(body.accessToken).kid).toBe(key.kid);
    await expect(jwtVerify(body.accessToken, createPublicKey({ key: key as never, format: 'jwk' }), { algorithms: ['RS256'] })).resolves.toBeDefined();
  });
});

describe('conditional requests and discovery metadata', () => {
  it('when the JWKS is asked for again with its ETag, then 304 without a body; a stale ETag gets the document', async () => {
    const first = await fetch(`${harness.url}/.well-known/jwks.json`);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await fetch(`${harness.url}/.well-known/jwks.json`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('cache-control')).toBe('public, max-age=300');
    expect((await fetch(`${harness.url}/.well-known/jwks.json`, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200);
  });

  it.each(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])(
    "when %s is fetched, then its issuer equals the tokens' iss and its jwks_uri points at the keys under it",
    async (path) => {
      const https = await startAuth('discovery', { JWT_ISSUER: 'https://id.example.com' });
      try {
        const response = await fetch(`${https.url}${path}`);
        expect(response.status).toBe(200);
        expect(response.headers.get('etag')).toBeTruthy();
        const metadata = (await response.json()) as Record<string, unknown>;
        expect(metadata).toEqual({
          issuer: 'https://id.example.com',
          jwks_uri: 'https://id.example.com/.well-known/jwks.json',
          token_endpoint: 'https://id.example.com/api/auth/token',
          grant_types_supported: ['client_credentials'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          scopes_supported: ['users:read', 'users:write'],
        });
        const { body } = await registerAndLogin(https);
        expect(decodeJwt(body.accessToken).iss).toBe(metadata.issuer);
      } finally {
        await https.close();
      }
    },
  );

  it('when the issuer is not a URL (development), then the metadata points at the public URL for the keys', async () => {
    const metadata = (await (await fetch(`${harness.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: 'gatehouse',
      jwks_uri: `${harness.config.APP_URL}/.well-known/jwks.json`,
      token_endpoint: `${harness.config.APP_URL}/api/auth/token`,
    });
  });
});

describe('key rotation', () => {
  it('when a next key is published beside the signing key, then the JWKS carries both and the kids differ', async () => {
    const current = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const next = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const keys = keySetFromPem(current, [next]);
    expect(keys.jwks.keys.map((k) => k.alg)).toEqual(['RS256', 'ES256']);
    expect(new Set(keys.jwks.keys.map((k) => k.kid)).size).toBe(2);
    expect(keys.signing.kid).toBe(keys.jwks.keys[0]!.kid);
  });

  it('when an RSA key is too short, then loading refuses it', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => keySetFromPem(weak)).toThrow(/at least 2048/);
  });
});

describe('operations endpoints', () => {
  it('when the dependencies are up, then /healthz and /readyz are 200 on the management port and absent from the API port', async () => {
    expect((await fetch(`${managementUrl(harness.url)}/healthz`)).status).toBe(200);
    const ready = await fetch(`${managementUrl(harness.url)}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${harness.url}${path}`)).status).toBe(404);
  });

  it('when traffic stops being accepted for shutdown, then /readyz turns 503 while /healthz stays 200', async () => {
    const draining = await startAuth('jwks_drain');
    try {
      draining.auth.http.stopAcceptingTraffic();
      expect((await fetch(`${managementUrl(draining.url)}/readyz`)).status).toBe(503);
      expect((await fetch(`${managementUrl(draining.url)}/healthz`)).status).toBe(200);
    } finally {
      await draining.close();
    }
  });

  it('when requests were served, then /metrics exposes them by route pattern', async () => {
    await fetch(`${harness.url}/.well-known/jwks.json`);
    const metrics = await (await fetch(`${managementUrl(harness.url)}/metrics`)).text();
    expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/\.well-known\/jwks\.json"[^}]*\} \d+/);
    expect(metrics).toContain('process_resident_memory_bytes');
  });

  it('when a path does not exist, then 404 problem+json with the request id echoed', async () => {
    const response = await fetch(`${harness.url}/nope`, { headers: { 'x-request-id': 'trace-123' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    expect(await response.json()).toMatchObject({ code: 'not_found', requestId: 'trace-123' });
  });

  it('when the request id is unsafe, then a fresh one replaces it', async () => {
    const response = await fetch(`${harness.url}/.well-known/jwks.json`, { headers: { 'x-request-id': 'bad id\twith\tspaces' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
