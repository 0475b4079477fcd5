import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Client, email, PASSWORD, startAuth, type AuthHarness } from './auth-harness';

// Tracing as the service has it. Under Jest the http instrumentation cannot patch node:http
// (libs/telemetry tests it in a child process), so the server below plays its part: the
// request's span continues the caller's `traceparent` and is active while the app handles it.
const provider = new NodeTracerProvider();
const tracer = trace.getTracer('audit-trace-test');

let harness: AuthHarness;
let server: Server;
let url: string;
beforeAll(async () => {
  provider.register({ propagator: new W3CTraceContextPropagator() });
  harness = await startAuth('audit_trace');
  server = createServer((req, res) => {
    const caller = propagation.extract(ROOT_CONTEXT, req.headers);
    tracer.startActiveSpan(`${req.method} ${req.url}`, { kind: SpanKind.SERVER }, caller, (span) => {
      res.on('close', () => span.end());
      harness.auth.app(req, res);
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((closed) => server.close(closed));
  await harness.close();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('audit records with tracing on', () => {
  it('when a request arrives with a traceparent, then its records carry that trace id', async () => {
    const traceId = randomBytes(16).toString('hex');
    const traced = new Client(url, { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` });
    const registered = await traced.post('/api/auth/register', { email: email('traced'), password: PASSWORD });
    expect(registered.status).toBe(201);
    const { id } = (await registered.json()) as { id: string };
    expect((await traced.post('/api/auth/login', { email: 'nobody.traced@example.com', password: PASSWORD })).status).toBe(401);

    await harness.auth.audit.flush();
    const { rows } = await harness.pool.query<{ action: string; subject: string | null; trace_id: string | null }>(
      'SELECT action, subject, trace_id FROM audit_log WHERE trace_id = $1 OR subject = $2 ORDER BY id',
      [traceId, id],
    );
    expect(rows).toEqual([
      { action: 'register', subject: id, trace_id: traceId },
      { action: 'login', subject: null, trace_id: traceId },
    ]);
  });
});
