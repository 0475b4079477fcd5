import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startOtlpReceiver, testInfrastructure, SPAN_KIND, type OtlpReceiver } from '@gatehouse/testing';
import { startTelemetry, tracingEnabled } from '../src';

const ROOT = join(__dirname, '..', '..', '..');
const TELEMETRY = join(ROOT, 'libs', 'telemetry', 'dist', 'index.js');

/** Runs `script` in a fresh Node process (built code, as the services run), with only `env`. */
async function runNode(script: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 });
  return stdout;
}

/**
 * Starts telemetry first, then loads http and pg, as a service's main.ts does: a server whose
 * handler queries PostgreSQL with a parameter, a management probe, and a client request to it
 * inside a span of the script's own.
 */
const tracedScript = (postgresUrl: string) => `
  const telemetry = require(${JSON.stringify(TELEMETRY)}).startTelemetry('lib-test', process.env);
  const http = require('node:http');
  const { Pool } = require('pg');
  const { trace } = require('@opentelemetry/api');
  const pool = new Pool({ connectionString: ${JSON.stringify(postgresUrl)} });
  const server = http.createServer(async (req, res) => {
    if (req.url !== '/healthz') await pool.query('SELECT $1::text AS echoed', ['parameter-secret']);
    res.end('ok');
  });
  const get = (url) => new Promise((done) => http.get(url, (res) => res.resume().on('end', done)));
  server.listen(0, '127.0.0.1', async () => {
    const base = 'http://127.0.0.1:' + server.address().port;
    await get(base + '/healthz');
    await trace.getTracer('script').startActiveSpan('script', async (span) => {
      await get(base + '/reset?token=query-secret');
      span.end();
    });
    server.close();
    await pool.end();
    await telemetry.shutdown();
  });
`;

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(() => receiver.spans.splice(0));
afterAll(() => receiver.close());

describe('startTelemetry', () => {
  it('when no OTLP endpoint is configured, then it is off: no SDK module is loaded and http is not patched', async () => {
    const out = await runNode(
      `const telemetry = require(${JSON.stringify(TELEMETRY)}).startTelemetry('lib-test', process.env);
       const http = require('node:http');
       const loaded = Object.keys(require.cache).filter((path) => path.includes('@opentelemetry') || path.includes('-in-the-middle'));
       process.stdout.write(JSON.stringify({ enabled: telemetry.enabled, loaded, patched: '__wrapped' in http.request }));`,
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    );
    expect(JSON.parse(out)).toEqual({ enabled: false, loaded: [], patched: false });
  });

  it('when an endpoint is configured, then http and pg loaded after it are traced, with the process name, redacted queries and no SQL parameter', async () => {
    await runNode(tracedScript(testInfrastructure().postgresUrl), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });

    const spans = receiver.spans;
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['lib-test']));
    const server = spans.find((s) => s.kind === SPAN_KIND.server);
    expect(server?.attributes).toMatchObject({ 'url.path': '/reset', 'url.query': 'token=REDACTED', 'http.response.status_code': 200 });
    const client = spans.find((s) => s.kind === SPAN_KIND.client && s.attributes['url.full'] !== undefined);
    expect(client?.attributes['url.full']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reset\?token=REDACTED$/);
    expect(server?.parentSpanId).toBe(client?.spanId);
    const query = spans.find((s) => s.attributes['db.query.text'] !== undefined);
    expect(query?.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.query.text': 'SELECT $1::text AS echoed' });
    expect(query?.traceId).toBe(server?.traceId);
    expect(spans.filter((s) => s.attributes['url.path'] === '/healthz')).toEqual([]);
    expect(JSON.stringify(spans)).not.toMatch(/parameter-secret|query-secret/);
  });

  it('when OTEL_SERVICE_NAME is set, then it names the service instead of the process', async () => {
    await runNode(tracedScript(testInfrastructure().postgresUrl), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'gatehouse-auth-eu',
    });
    expect(receiver.spans.length).toBeGreaterThan(0);
    expect(new Set(receiver.spans.map((s) => s.service))).toEqual(new Set(['gatehouse-auth-eu']));
  });

  it('when the collector does not answer at shutdown, then shutdown still returns within its 2 s bound', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const out = await runNode(
        `const telemetry = require(${JSON.stringify(TELEMETRY)}).startTelemetry('lib-test', process.env);
         require('@opentelemetry/api').trace.getTracer('script').startSpan('pending').end();
         const started = Date.now();
         telemetry.shutdown().then(() => process.stdout.write(String(Date.now() - started), () => process.exit(0)));`,
        { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      );
      expect(Number(out)).toBeGreaterThanOrEqual(1900);
      expect(Number(out)).toBeLessThan(3000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('when the protocol is one it does not speak, then it refuses to start and names it', () => {
    expect(() => startTelemetry('lib-test', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      'OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: use http/protobuf (the default) or http/json',
    );
  });
});

describe('tracingEnabled', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }, false],
  ])('when the environment is %j, then tracing is on: %s', (env, enabled) => {
    expect(tracingEnabled(env)).toBe(enabled);
  });
});
