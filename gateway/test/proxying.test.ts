import { managementUrl, setCookies } from '@gatehouse/testing';
import { signToken } from '../../libs/jwt/test/token-fixtures';
import { deadUrl, startGateway, type Gateway } from './gateway-harness';

describe('gateway proxying', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ CORS_ORIGINS: 'http://localhost:3000' });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when an auth route is called without a token, then it is proxied with its body, cookies in and Set-Cookie out', async () => {
    const response = await fetch(`${gw.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'refresh=old; csrf=c1', 'x-csrf-token': 'c1' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(response.status).toBe(200);
    expect(setCookies(response).refresh).toMatchObject({ value: 'r1', attributes: { httponly: true, path: '/api/auth' } });
    const seen = gw.auth.seen.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', url: '/api/auth/refresh', body: '{"hello":"world"}' });
    expect(seen.headers.cookie).toBe('refresh=old; csrf=c1');
    expect(seen.headers['x-csrf-token']).toBe('c1');
  });

  it('when the JWKS is requested, then it comes from the auth service unchanged in path', async () => {
    const response = await fetch(`${gw.url}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(gw.auth.seen.at(-1)!.url).toBe('/.well-known/jwks.json');
  });

  it('when the upstream is slower than the timeout, then the client gets 504 problem+json', async () => {
    const response = await fetch(`${gw.url}/api/user/slow`, { headers: { authorization: `Bearer ${signToken(gw.key)}` } });
    expect(response.status).toBe(504);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await response.json()).toMatchObject({ code: 'upstream_timeout', status: 504 });
  });

  it('when the declared body is over the limit, then it gets 413 and the upstream receives nothing', async () => {
    const before = gw.upstreamHits();
    const response = await fetch(`${gw.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(2000) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'payload_too_large' });
    expect(gw.upstreamHits()).toBe(before);
  });

  it('when a chunked body grows over the limit, then it gets 413 and the upstream never sees the whole body', async () => {
    const chunks = [JSON.stringify({ pad: 'y'.repeat(800) }), 'z'.repeat(800), 'z'.repeat(800)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const response = await fetch(`${gw.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(gw.auth.seen.some((r) => r.url === '/api/auth/register' && r.body.length > 1024)).toBe(false);
  });

  it('when a preflight comes from an allowed origin, then credentials and the API headers are allowed', async () => {
    const response = await fetch(`${gw.url}/api/user/me`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-csrf-token',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-csrf-token');
  });

  it('when a preflight comes from another origin, then no CORS allowance is given', async () => {
    const before = gw.upstreamHits();
    const response = await fetch(`${gw.url}/api/user/me`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(gw.upstreamHits()).toBe(before);
  });

  it('when any response goes out, then it carries the helmet security headers', async () => {
    const response = await fetch(`${gw.url}/api/user/me`);
    expect(response.status).toBe(401);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('when EXAMPLE_APP is off, then the example page and the SDK are not served', async () => {
    for (const path of ['/example/', '/example/app.js', '/example/sdk/index.js']) {
      expect((await fetch(`${gw.url}${path}`)).status).toBe(404);
    }
  });

  it('when the verifier has loaded the JWKS, then the gateway reports ready', async () => {
    const response = await fetch(`${managementUrl(gw.url)}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ checks: { jwks: 'ok' } });
  });
});

describe('gateway serving the example app (EXAMPLE_APP=true)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ EXAMPLE_APP: 'true' });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when the page is opened, then its HTML comes under a CSP that allows its own module script only', async () => {
    const response = await fetch(`${gw.url}/example/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    expect(await response.text()).toContain('<script type="module" src="./app.js"></script>');
  });

  it('when the page loads its script and the SDK modules, then each is served as JavaScript from the build', async () => {
    const app = await fetch(`${gw.url}/example/app.js`);
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await app.text()).toContain("from './sdk/index.js'");

    const sdk = await fetch(`${gw.url}/example/sdk/index.js`);
    expect(sdk.status).toBe(200);
    expect(sdk.headers.get('content-type')).toMatch(/^text\/javascript/);
    const modules = [...(await sdk.text()).matchAll(/from '\.\/([\w.-]+\.js)'/g)].map((m) => m[1]!);
    expect(modules).toContain('gatehouse-client.js');
    for (const module of modules) expect((await fetch(`${gw.url}/example/sdk/${module}`)).status).toBe(200);
  });

  it('when anything of the build but its modules is asked for, then it is not served, and nothing reaches the services', async () => {
    for (const path of ['/example/sdk/index.d.ts', '/example/sdk/.tsbuildinfo', '/example/sdk/', '/example/missing.js']) {
      expect((await fetch(`${gw.url}${path}`)).status).toBe(404);
    }
    expect(gw.upstreamHits()).toBe(0);
  });
});

describe('gateway with an unreachable user service', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ USER_SERVICE_URL: await deadUrl() });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when the upstream refuses the connection, then the client gets 502 problem+json with the request id', async () => {
    const response = await fetch(`${gw.url}/api/user/me`, { headers: { authorization: `Bearer ${signToken(gw.key)}`, 'x-request-id': 'down-1' } });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await response.json()).toMatchObject({ code: 'upstream_unavailable', status: 502, requestId: 'down-1' });
  });
});

describe('gateway whose JWKS never loaded', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ JWKS_URL: await deadUrl() });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('when readiness is asked, then it answers 503, and a valid-looking token gets 503 with Retry-After, never a 401 that signs its user out', async () => {
    const ready = await fetch(`${managementUrl(gw.url)}/readyz`);
    expect(ready.status).toBe(503);
    const response = await fetch(`${gw.url}/api/user/me`, { headers: { authorization: `Bearer ${signToken(gw.key)}` } });
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await response.json()).toMatchObject({ code: 'dependency_unavailable' });
    expect(gw.upstreamHits()).toBe(0);
  });
});
