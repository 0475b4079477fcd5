import { createServer, request, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { AppError } from '@gatehouse/errors';
import { sendProblem } from '@gatehouse/http';
import { writeProblem } from './problem-response';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function serve(listener: RequestListener): Promise<{ port: number; server: Server }> {
  const server = createServer(listener);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, server })));
}

function call(port: number, method: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: '/' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** What a client can see of an answer, without the headers Node adds to every response. */
function seen({ status, headers, body }: Answer) {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers;
  return { status, headers: rest, body };
}

const errors: [string, () => AppError][] = [
  ['a missing token with its challenge', () => new AppError('token_missing', 'An access token is required.', { details: { wwwAuthenticate: 'Bearer' } })],
  ['an unavailable dependency with Retry-After', () => new AppError('dependency_unavailable', 'Keys unavailable.', { details: { retryAfterSeconds: 5 } })],
  ['a payload too large', () => new AppError('payload_too_large', 'The request body must not exceed 1024 bytes.')],
  ['a body member detail', () => new AppError('validation_failed', 'Not valid.', { details: { errors: [{ path: 'a', message: 'é' }] } })],
];

describe('problem+json on a plain Node response', () => {
  let servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
    servers = [];
  });

  it.each(errors)('when the edge answers %s, then status, headers and body are byte for byte those of sendProblem through Express', async (_name, build) => {
    const app = express();
    // As createHttpApp configures every Gatehouse app.
    app.disable('x-powered-by');
    app.set('etag', false);
    app.use((_req, res) => sendProblem(res, build(), 'req-1'));
    const viaExpress = await serve(app);
    const viaEdge = await serve((req, res) => writeProblem(req, res, build(), 'req-1'));
    servers = [viaExpress.server, viaEdge.server];

    for (const method of ['GET', 'HEAD']) {
      expect(seen(await call(viaEdge.port, method))).toEqual(seen(await call(viaExpress.port, method)));
    }
  });
});
