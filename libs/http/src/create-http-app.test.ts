import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Router } from 'express';
import { createLogger } from '@gatehouse/logger';
import { createHttpApp } from './create-http-app';
import { closeServer, listen } from './serve';

const SECRET = 'secret123';

function captureLines() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line.length > 0),
      );
      done();
    },
  });
  return { lines, stream };
}

const { lines, stream } = captureLines();
let server: Server;
let management: Server;
let baseUrl: string;
let managementUrl: string;

beforeAll(async () => {
  const logger = createLogger({ service: 'http-test', level: 'debug', destination: stream });
  const http = createHttpApp({ service: 'http-test', logger, trustProxyHops: 0, readinessChecks: {} });
  const routes = Router();
  routes.get('/api/auth/verify-email', (_req, res) => {
    res.status(200).send('ok');
  });
  routes.get('/api/broken', () => {
    throw new Error('boom');
  });
  server = await listen(http.finish(routes), 0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  management = await listen(http.management, 0, '127.0.0.1');
  managementUrl = `http://127.0.0.1:${(management.address() as AddressInfo).port}`;
});

afterAll(() => Promise.all([closeServer(server), closeServer(management)]));

beforeEach(() => {
  lines.length = 0;
});

/** The access log line is written when the response finishes, which may trail the client by a tick. */
async function accessLogLine(): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const line = lines.find((l) => l.includes('"req":'));
    if (line) return JSON.parse(line) as Record<string, unknown>;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no access log line in:\n${lines.join('\n')}`);
}

describe('request log', () => {
  it('when a link carries its token in the query string, then the log line has the path and no line has the token', async () => {
    const response = await fetch(`${baseUrl}/api/auth/verify-email?token=${SECRET}&next=%2Fhome`);
    expect(response.status).toBe(200);

    const line = await accessLogLine();

    expect(line).toMatchObject({ msg: 'request completed', req: { method: 'GET', url: '/api/auth/verify-email' }, res: { statusCode: 200 } });
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('when the request fails with a 500, then neither the error line nor the access line has the query', async () => {
    const response = await fetch(`${baseUrl}/api/broken?token=${SECRET}`);
    expect(response.status).toBe(500);

    const line = await accessLogLine();

    expect(line).toMatchObject({ level: 'error', req: { url: '/api/broken' }, res: { statusCode: 500 } });
    expect(lines.some((l) => l.includes('unexpected error'))).toBe(true);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('when a probe asks the management port, even with a query string, then it is not logged', async () => {
    expect((await fetch(`${managementUrl}/healthz?probe=${SECRET}`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/api/auth/verify-email`)).status).toBe(200);

    const line = await accessLogLine();

    expect(line).toMatchObject({ req: { url: '/api/auth/verify-email' } });
    expect(lines.filter((l) => l.includes('"req":'))).toHaveLength(1);
  });
});
