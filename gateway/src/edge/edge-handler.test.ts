import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '@gatehouse/errors';
import { createHttpApp } from '@gatehouse/http';
import { createLogger } from '@gatehouse/logger';
import { captureLogs } from '@gatehouse/testing';
import type { AccessGuard } from '../auth/access-control';
import { bodyLimit } from '../proxy/body-limit';
import type { UpstreamProxy } from '../proxy/upstream-proxy';
import { createAccessLog } from './access-log';
import { createEdge } from './edge-handler';
import { edgeHeaders } from './security-headers';

interface Forwarded {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** Answers 200 for every request it is given, or 502 for `/api/user/broken`, and records it. */
function fakeUpstream(forwarded: Forwarded[]): UpstreamProxy {
  return {
    forward(req, res) {
      forwarded.push({ url: req.url ?? '', headers: { ...req.headers } });
      res.statusCode = req.url === '/api/user/broken' ? 502 : 200;
      res.end('{}');
    },
    abort: () => undefined,
  };
}

/** Refuses `/api/user/secret` with 403, throws a bug at `/api/user/bug`, lets the rest through. */
const guard: AccessGuard = {
  authorize(_req, policy) {
    if (policy === '/api/user/secret') return Promise.reject(new AppError('forbidden', 'You do not have permission to do this.'));
    if (policy === '/api/user/bug') return Promise.reject(new TypeError('a bug'));
    return undefined;
  },
};

function call(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The access line is written when the response closes, a tick after the client has it. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function start(trustProxyHops: number) {
  const logs = captureLogs();
  const logger = createLogger({ service: 'edge-test', level: 'info', destination: logs.stream });
  const http = createHttpApp({ service: 'edge-test', logger, trustProxyHops, readinessChecks: {} });
  const forwarded: Forwarded[] = [];
  const declined: string[] = [];
  const edge = createEdge({
    routes: [
      { prefixes: ['/api/auth', '/api/admin/clients'], upstream: fakeUpstream(forwarded) },
      { prefixes: ['/api/user', '/api/admin'], except: ['/api/admin/clients'], upstream: fakeUpstream(forwarded) },
    ],
    headers: edgeHeaders(['http://localhost:3000']),
    guard,
    bodyLimit: bodyLimit(16),
    trustProxyHops,
    accessLog: createAccessLog(logger, http.registry),
    logger,
  });
  const server = createServer((req: IncomingMessage, res) => {
    if (edge(req, res)) return;
    declined.push(req.url ?? '');
    res.statusCode = 418;
    res.end();
  });
  return { logs, registry: http.registry, forwarded, declined, server };
}

describe('the edge (proxied routes off Express)', () => {
  let edge: ReturnType<typeof start>;
  let port: number;
  beforeAll(async () => {
    edge = start(0);
    await new Promise<void>((resolve) => edge.server.listen(0, '127.0.0.1', resolve));
    port = (edge.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((done) => edge.server.close(done)));

  it.each(['/example/', '/api/users', '/api', '/.well-known/other', '/healthz'])(
    'when %s is asked for, then the edge leaves it to Express untouched',
    async (path) => {
      const response = await call(port, path);
      expect(response.status).toBe(418);
      expect(response.headers['x-request-id']).toBeUndefined();
      expect(edge.declined).toContain(path);
    },
  );

  it('when a routed request comes in, then it is forwarded with its query, a request id, no identity claims and no client forwarding headers', async () => {
    const response = await call(port, '/api/user/profile?x=1', {
      'x-request-id': 'edge-trace-1',
      'x-user-id': 'admin',
      'X-Gatehouse-Identity': 'forged',
      'x-forwarded-for': '6.6.6.6',
      forwarded: 'for=6.6.6.6',
    });
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe('edge-trace-1');
    const seen = edge.forwarded.at(-1)!;
    expect(seen.url).toBe('/api/user/profile?x=1');
    expect(seen.headers['x-request-id']).toBe('edge-trace-1');
    for (const name of ['x-user-id', 'x-gatehouse-identity', 'x-forwarded-for', 'forwarded']) expect(seen.headers[name]).toBeUndefined();
  });

  it('when the client sends no usable request id, then a new one is made, returned and forwarded', async () => {
    const response = await call(port, '/api/auth/login', { 'x-request-id': 'not safe!' });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(edge.forwarded.at(-1)!.headers['x-request-id']).toBe(response.headers['x-request-id']);
  });

  it('when a request is answered, then one access line with its id, path without query and status is logged, and the duration histogram counts it under its prefix', async () => {
    const response = await call(port, '/api/admin/users?token=secret', { 'x-request-id': 'edge-log-1' });
    await settle();
    const line = edge.logs.lines().find((l) => (l.req as { id?: string } | undefined)?.id === 'edge-log-1');
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request completed',
      service: 'edge-test',
      req: { id: 'edge-log-1', method: 'GET', url: '/api/admin/users', remoteAddress: '127.0.0.1' },
      res: { statusCode: response.status },
    });
    expect(typeof line!.responseTime).toBe('number');
    expect(JSON.stringify(edge.logs.lines())).not.toContain('secret');
    const metrics = await edge.registry.metrics();
    expect(metrics).toMatch(/http_request_duration_seconds_count\{service="edge-test",method="GET",route="\/api\/admin",status="200"\} 1/);
  });

  it('when the upstream answers 5xx, then the access line is an error with the request id', async () => {
    await call(port, '/api/user/broken', { 'x-request-id': 'edge-log-502' });
    await settle();
    expect(edge.logs.lines()).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'request errored', req: expect.objectContaining({ id: 'edge-log-502' }), res: { statusCode: 502 } }),
    );
  });

  it.each(['/api/user/../admin/users', '/api/user/%2e%2e/admin', '/api/user//me', '/api/user/a\\b'])(
    'when the path %s is ambiguous, then it gets 404 problem+json with the security headers and is never forwarded',
    async (path) => {
      const before = edge.forwarded.length;
      const response = await call(port, path);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(JSON.parse(response.body)).toMatchObject({ code: 'not_found', requestId: response.headers['x-request-id'] });
      expect(edge.forwarded.length).toBe(before);
    },
  );

  it('when a declared body is over the limit, then 413 with Connection: close, and nothing is forwarded', async () => {
    const before = edge.forwarded.length;
    const response = await call(port, '/api/auth/register', { 'content-type': 'application/json', 'content-length': '17' }, 'POST');
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(JSON.parse(response.body)).toMatchObject({ code: 'payload_too_large' });
    expect(edge.forwarded.length).toBe(before);
  });

  it('when access control refuses, then its problem is the answer and nothing is forwarded; a failing check is a logged 500', async () => {
    const before = edge.forwarded.length;
    const refused = await call(port, '/api/user/secret');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'forbidden', status: 403 });
    const broken = await call(port, '/api/user/bug', { 'x-request-id': 'edge-bug-1' });
    expect(broken.status).toBe(500);
    expect(JSON.parse(broken.body)).toMatchObject({ code: 'internal', requestId: 'edge-bug-1' });
    expect(edge.forwarded.length).toBe(before);
    expect(edge.logs.lines()).toContainEqual(expect.objectContaining({ level: 'error', msg: 'unexpected error', requestId: 'edge-bug-1' }));
  });

  it('when a preflight comes in, then CORS answers it and it is not forwarded', async () => {
    const before = edge.forwarded.length;
    const response = await call(port, '/api/user/me', { origin: 'http://localhost:3000', 'access-control-request-method': 'PUT' }, 'OPTIONS');
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(edge.forwarded.length).toBe(before);
  });

  it('when the request target is in absolute form, then it is routed by its path, as the proxy will send it', async () => {
    const response = await call(port, `http://127.0.0.1:${port}/API/USER/me`);
    expect(response.status).toBe(200);
    expect(edge.forwarded.at(-1)!.url).toBe(`http://127.0.0.1:${port}/API/USER/me`);
  });
});

describe('the edge behind a trusted proxy (TRUST_PROXY_HOPS=1)', () => {
  it('when forwarding headers come in, then they are passed on for the proxy to extend', async () => {
    const edge = start(1);
    await new Promise<void>((resolve) => edge.server.listen(0, '127.0.0.1', resolve));
    try {
      await call((edge.server.address() as AddressInfo).port, '/api/user/me', { 'x-forwarded-for': '203.0.113.9' });
      expect(edge.forwarded.at(-1)!.headers['x-forwarded-for']).toBe('203.0.113.9');
    } finally {
      await new Promise((done) => edge.server.close(done));
    }
  });
});
