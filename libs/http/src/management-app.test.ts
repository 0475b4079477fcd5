import { Router } from 'express';
import { createLogger } from '@gatehouse/logger';
import { managementUrl, serveOnFreePort, type RunningServer } from '@gatehouse/testing';
import { createHttpApp, type HttpApp } from './create-http-app';
import { registerBrokerGauge } from './broker-gauge';

let http: HttpApp;
let server: RunningServer;
let databaseUp = true;
let brokerUp = true;
beforeAll(async () => {
  const logger = createLogger({ service: 'management-test', level: 'silent' });
  http = createHttpApp({
    service: 'management-test',
    logger,
    trustProxyHops: 0,
    readinessChecks: {
      postgres: async () => {
        if (!databaseUp) throw new Error('down');
      },
    },
  });
  registerBrokerGauge(http.registry, { isConnected: () => brokerUp });
  server = await serveOnFreePort(http.finish(Router().get('/api/things/:id', (_req, res) => res.json({}))));
});
afterAll(() => server.close());

const api = (path: string) => fetch(`${server.url}${path}`);
const management = (path: string) => fetch(`${managementUrl(server.url)}${path}`);

describe('the management app', () => {
  it.each(['/healthz', '/readyz', '/metrics'])('when %s is asked on the API port, then it is not there (404 problem)', async (path) => {
    const response = await api(path);

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'not_found' });
  });

  it('when the checks pass, then /healthz and /readyz answer 200 on the management port', async () => {
    expect((await management('/healthz')).status).toBe(200);
    const ready = await management('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok' } });
  });

  it('when a readiness check fails, then /readyz answers 503 naming it while /healthz stays 200', async () => {
    databaseUp = false;
    try {
      const ready = await management('/readyz');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'not_ready', checks: { postgres: 'failing' } });
      expect((await management('/healthz')).status).toBe(200);
    } finally {
      databaseUp = true;
    }
  });

  it('when the API served requests, then /metrics has them by route and the broker gauge follows the link', async () => {
    await api('/api/things/42');

    const up = await (await management('/metrics')).text();
    brokerUp = false;
    const down = await (await management('/metrics')).text();
    brokerUp = true;

    expect(up).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/api\/things\/:id"[^}]*\} 1/);
    expect(up).not.toMatch(/route="\/(healthz|readyz|metrics)"/);
    expect(up).toMatch(/^gatehouse_broker_connected\{[^}]*\} 1$/m);
    expect(down).toMatch(/^gatehouse_broker_connected\{[^}]*\} 0$/m);
  });

  it('when another path is asked on the management port, then 404 problem+json', async () => {
    const response = await management('/api/things/42');

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});
