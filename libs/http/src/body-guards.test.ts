import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Router, type RequestHandler } from 'express';
import { createLogger } from '@gatehouse/logger';
import { createHttpApp } from './create-http-app';
import { closeServer, listen } from './serve';

const FORM_PATH = '/oauth/token';
const FORM = 'application/x-www-form-urlencoded';

let server: Server;
let baseUrl: string;

/** Echoes the body as the route received it: what the app-wide guards let through, untouched. */
const echo: RequestHandler = (req, res) => {
  res.json({ parsed: req.body ?? null, type: req.headers['content-type'] ?? null });
};

beforeAll(async () => {
  const logger = createLogger({ service: 'body-guards-test', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
  const http = createHttpApp({ service: 'body-guards-test', logger, trustProxyHops: 0, readinessChecks: {}, protocolBodyPaths: [FORM_PATH] });
  const routes = Router();
  routes.post(FORM_PATH, echo);
  routes.put(FORM_PATH, echo);
  routes.post('/api/json', echo);
  server = await listen(http.finish(routes), 0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => closeServer(server));

const send = (method: string, path: string, type: string, body: string) => fetch(`${baseUrl}${path}`, { method, headers: { 'content-type': type }, body });

describe('JSON-only bodies with a urlencoded exemption', () => {
  it('when a form is POSTed to the listed path, then the route gets the request with its body unread', async () => {
    const response = await send('POST', FORM_PATH, FORM, 'grant_type=client_credentials');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ parsed: null, type: FORM });
  });

  it('when a malformed JSON body is POSTed to the listed path, then the route decides, not the JSON parser', async () => {
    const response = await send('POST', FORM_PATH, 'application/json', '{not json');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ parsed: null, type: 'application/json' });
  });

  it('when the same form goes to any other path, then 415 as before', async () => {
    const response = await send('POST', '/api/json', FORM, 'grant_type=client_credentials');
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('when another method sends a form to the listed path, then the route decides (its protocol answers the method)', async () => {
    const response = await send('PUT', FORM_PATH, FORM, 'a=b');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ parsed: null, type: FORM });
  });

  it('when the listed path is spelled as Express still routes it (case, trailing slash), then it is exempt too', async () => {
    for (const path of [FORM_PATH.toUpperCase(), `${FORM_PATH}/`]) {
      const response = await send('POST', path, FORM, 'grant_type=client_credentials');
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
  });

  it('when other paths get JSON, then it is parsed and prototype keys are still refused', async () => {
    const parsed = await send('POST', '/api/json', 'application/json', '{"a":1}');
    expect(await parsed.json()).toEqual({ parsed: { a: 1 }, type: 'application/json' });
    const poisoned = await send('POST', '/api/json', 'application/json', '{"__proto__":{"x":1}}');
    expect(poisoned.status).toBe(400);
  });
});
