import { createServer, request, type IncomingHttpHeaders, type OutgoingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import cors from 'cors';
import helmet from 'helmet';
import { corsOptions, edgeHeaders } from './security-headers';

const ORIGINS = ['http://localhost:3000', 'https://app.example'];

function serve(listener: RequestListener): Promise<{ port: number; server: Server }> {
  const server = createServer(listener);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, server })));
}

function call(port: number, method: string, headers: OutgoingHttpHeaders): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: '/api/user/me', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Headers in the order they were sent, without the ones Node adds to every response. */
function seen(answer: { status: number; headers: IncomingHttpHeaders }) {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...rest } = answer.headers;
  return { status: answer.status, headers: Object.entries(rest) };
}

const PREFLIGHT = { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-csrf-token' };

describe('security and CORS headers on the edge', () => {
  let servers: Server[] = [];
  let viaExpress: number;
  let viaEdge: number;
  beforeAll(async () => {
    const app = express();
    app.disable('x-powered-by');
    app.use(helmet());
    app.use(cors(corsOptions(ORIGINS)));
    app.use((_req, res) => {
      res.end('ok');
    });
    const headers = edgeHeaders(ORIGINS);
    const expressServer = await serve(app);
    const edgeServer = await serve((req, res) => {
      if (!headers.apply(req, res)) res.end('ok');
    });
    servers = [expressServer.server, edgeServer.server];
    viaExpress = expressServer.port;
    viaEdge = edgeServer.port;
  });
  afterAll(() => Promise.all(servers.map((s) => new Promise((done) => s.close(done)))));

  it.each([
    ['a request without an Origin', 'GET', {}],
    ['a request from an allowed origin', 'GET', { origin: 'https://app.example' }],
    ['a request from another origin', 'POST', { origin: 'https://evil.example' }],
    ['a HEAD from the other allowed origin', 'HEAD', { origin: 'http://localhost:3000' }],
    ['a preflight from an allowed origin', 'OPTIONS', { origin: 'http://localhost:3000', ...PREFLIGHT }],
    ['a preflight from another origin', 'OPTIONS', { origin: 'https://evil.example', ...PREFLIGHT }],
  ])('when %s comes in, then the edge answers with the same headers, in the same order, as helmet and cors in Express', async (_name, method, headers) => {
    expect(seen(await call(viaEdge, method, headers))).toEqual(seen(await call(viaExpress, method, headers)));
  });

  it('when a response goes out, then it carries the helmet headers, HSTS and nosniff among them', async () => {
    const { headers } = await call(viaEdge, 'GET', {});
    expect(headers['strict-transport-security']).toMatch(/max-age=/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['content-security-policy']).toContain("default-src 'self'");
  });
});
