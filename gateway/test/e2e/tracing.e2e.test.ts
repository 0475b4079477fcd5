import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPAN_KIND, startOtlpReceiver, startSmtpCapture, type OtlpReceiver, type ReceivedSpan, type SmtpCapture } from '@gatehouse/testing';
import { gatewayClient } from './gateway-client';
import { mailbox, tokenLinkIn, tokenOf, type Mailbox } from './mailbox';
import { startSystem, type RunningProcess, type System } from './system';

const PASSWORD = 'a tracing passphrase';
const ROOT = join(__dirname, '..', '..', '..');

let receiver: OtlpReceiver;
let smtp: SmtpCapture;
let mails: Mailbox;
let system: System;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  smtp = await startSmtpCapture();
  mails = mailbox(smtp);
  system = await startSystem('tracing', {
    smtpUrl: smtp.url,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // JSON, so the receiver needs no protobuf decoder; a short delay, so spans arrive quickly.
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      LOG_LEVEL: 'info',
    },
  });
}, 90_000);
afterAll(async () => {
  await system?.stop();
  await smtp?.close();
  await receiver?.close();
});

const { api, login, refresh } = gatewayClient(() => system.gateway.url, PASSWORD);
let counter = 0;
const newEmail = () => `tracing.${++counter}.${Date.now()}@example.com`;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

type LogLine = Record<string, unknown> & { msg?: string; req?: { id?: string }; trace_id?: string; span_id?: string };

function logLines(process: RunningProcess): LogLine[] {
  return process
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);

/** The span and its ancestors, root first. */
function ancestry(span: ReceivedSpan, spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const chain = [span];
  for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? '')) chain.unshift(parent);
  return chain;
}

const KIND_NAMES = Object.fromEntries(Object.entries(SPAN_KIND).map(([name, kind]) => [kind, name]));
const label = (span: ReceivedSpan) => `${span.service} ${KIND_NAMES[span.kind]} ${span.name}`;

describe('traces', () => {
  it('when a user registers through the gateway, then one trace runs gateway → auth → PostgreSQL → outbox relay → broker → notification → SMTP, and the logs of the request carry its trace id', async () => {
    const email = newEmail();
    const response = await api('/api/auth/register', { body: { email, password: PASSWORD } });
    expect(response.status).toBe(201);
    const requestId = response.headers.get('x-request-id')!;

    const accessLine = await until('the gateway access log line', () =>
      logLines(system.gateway).find((l) => l.req?.id === requestId && l.msg === 'request completed'),
    );
    const traceId = accessLine.trace_id!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await mails.waitFor(email, 'the confirmation email', () => true);
    const isSend = (s: ReceivedSpan) => s.service === 'notification' && s.name === 'smtp send';
    const isAuthServer = (s: ReceivedSpan) => s.service === 'auth' && s.kind === SPAN_KIND.server;
    const spans = await until('the SMTP span and auth server span of the trace', () => {
      const found = spansOf(traceId);
      return found.some(isSend) && found.some(isAuthServer) ? found : undefined;
    });

    const chain = ancestry(spans.find(isSend)!, spans);
    expect(chain[0]!.parentSpanId).toBeUndefined();
    const hops = chain.map(label).filter((l) => !l.includes(' internal request handler'));
    expect(hops).toEqual([
      'gateway server POST',
      'gateway client POST',
      'auth server POST /api/auth/register',
      'auth internal outbox relay user.registered',
      `auth producer publish ${system.exchange}`,
      expect.stringMatching(/^notification consumer .*notification\.user-registered process$/),
      expect.stringMatching(/^notification internal .*notification\.user-registered handle$/),
      'notification client smtp send',
    ]);
    const [gatewayServer, gatewayClient, authServer] = chain;
    expect(gatewayServer!.attributes).toMatchObject({ 'url.path': '/api/auth/register', 'http.response.status_code': 201 });
    expect(gatewayClient!.attributes['url.full']).toBe(`${system.auth.url}/api/auth/register`);
    expect(authServer!.attributes).toMatchObject({ 'http.route': '/api/auth/register', 'http.response.status_code': 201 });

    const insideAuthRequest = (s: ReceivedSpan) => ancestry(s, spans).includes(authServer!);
    const outboxInsert = spans.find((s) => s.service === 'auth' && String(s.attributes['db.query.text']).startsWith('INSERT INTO outbox'));
    expect(outboxInsert && insideAuthRequest(outboxInsert)).toBe(true);
    expect(outboxInsert!.attributes).toMatchObject({ 'db.system.name': 'postgresql' });
    const handle = chain.find((s) => s.name.endsWith(' handle'))!;
    expect(handle.attributes).toMatchObject({ 'gatehouse.event.name': 'user.registered', 'gatehouse.event.outcome': 'handled' });
    const notificationQueries = spans.filter((s) => s.service === 'notification' && s.attributes['db.system.name'] === 'postgresql');
    expect(notificationQueries.length).toBeGreaterThan(0);
    expect(notificationQueries.every((s) => ancestry(s, spans).includes(handle))).toBe(true);

    // The lines written while serving the request carry its trace, in every process it crossed.
    expect(accessLine.span_id).toBe(gatewayServer!.spanId);
    const authLine = logLines(system.auth).find((l) => l.req?.id === requestId && l.msg === 'request completed');
    expect(authLine?.trace_id).toBe(traceId);
    const handledLine = await until('the notification log line', () =>
      logLines(system.notification).find((l) => l.msg === 'user.registered handled' && l.trace_id === traceId),
    );
    expect(handledLine.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('when a profile is read through the gateway, then the user service continues the gateway’s trace and queries PostgreSQL in it', async () => {
    const email = newEmail();
    expect((await api('/api/auth/register', { body: { email, password: PASSWORD } })).status).toBe(201);
    const { accessToken } = await login(email);
    const response = await api('/api/user/profile', { token: accessToken });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    const { trace_id: traceId } = await until('the gateway access log line', () =>
      logLines(system.gateway).find((l) => l.req?.id === requestId && l.msg === 'request completed'),
    );

    const isQuery = (s: ReceivedSpan) => s.service === 'user' && s.attributes['db.system.name'] === 'postgresql';
    const spans = await until('the user service’s query', () => (spansOf(traceId!).some(isQuery) ? spansOf(traceId!) : undefined));
    expect(ancestry(spans.find(isQuery)!, spans).map(label)).toEqual([
      'gateway server GET',
      'gateway client GET',
      'user server GET /api/user/profile',
      expect.stringMatching(/^user client pg\.query:/),
    ]);
  });

  it('when a user registers, confirms, logs in and refreshes, then no exported span holds the password, a token or a cookie', async () => {
    const email = newEmail();
    expect((await api('/api/auth/register', { body: { email, password: PASSWORD } })).status).toBe(201);
    const link = tokenLinkIn(
      await mails.waitFor(email, 'the confirmation email', (m) => tokenLinkIn(m, '/api/auth/verify-email') !== undefined),
      '/api/auth/verify-email',
    )!;
    const verificationToken = tokenOf(link);
    expect((await fetch(link)).status).toBe(200);
    expect((await api('/api/auth/verify-email', { body: { token: verificationToken } })).status).toBe(200);
    const session = await login(email);
    const refreshed = await refresh(session);
    expect(refreshed.status).toBe(200);
    const rotated = (await refreshed.json()) as { accessToken: string; csrfToken: string };
    const rotatedCookies = refreshed.headers.getSetCookie().map((c) => c.split(';')[0]!);

    const refreshServed = (s: ReceivedSpan) => s.service === 'auth' && s.kind === SPAN_KIND.server && s.attributes['url.path'] === '/api/auth/refresh';
    await until('the refresh span', () => receiver.spans.find(refreshServed));
    // Spans that ended with the refresh's arrive in the same or the next batch.
    await new Promise((r) => setTimeout(r, 500));

    const cookieValues = [...session.cookies.split('; '), ...rotatedCookies].map((pair) => pair.slice(pair.indexOf('=') + 1));
    const secrets = [PASSWORD, verificationToken, session.accessToken, session.csrf, rotated.accessToken, rotated.csrfToken, ...cookieValues].filter(
      (s) => s.length >= 16,
    );
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    const spans = [...receiver.spans];
    const leaks = spans.flatMap((span) => {
      const recorded = JSON.stringify({
        name: span.name,
        attributes: span.attributes,
        events: span.events,
        links: span.links,
        status: span.status,
        resource: span.resource,
      });
      return secrets
        .filter((secret) => recorded.includes(secret) || recorded.includes(encodeURIComponent(secret)))
        .map((secret) => `${label(span)} holds ${secret.slice(0, 6)}…`);
    });
    expect(leaks).toEqual([]);
    // A URL's password is masked where one is recorded at all (amqplib: amqp://user:***@host).
    const credentialsInUrls = spans.filter((span) => /\/\/[^/\s:@"]+:(?!\*\*\*@)[^/\s@"]+@/.test(JSON.stringify(span.attributes)));
    expect(credentialsInUrls.map(label)).toEqual([]);

    // The scan saw what it had to: the confirmation page's query, SQL, Redis and the broker.
    const page = spans.find(
      (s) =>
        s.service === 'auth' &&
        s.kind === SPAN_KIND.server &&
        s.attributes['url.path'] === '/api/auth/verify-email' &&
        s.attributes['http.request.method'] === 'GET',
    );
    expect(page?.attributes['url.query']).toBe('token=REDACTED');
    expect(spans.some((s) => s.attributes['db.system.name'] === 'postgresql' && String(s.attributes['db.query.text']).includes('$1'))).toBe(true);
    const redis = spans.filter((s) => s.attributes['db.system.name'] === 'redis' || s.attributes['db.system'] === 'redis');
    expect(redis.length).toBeGreaterThan(0);
    expect(redis.every((s) => /^[a-z]+$/.test(String(s.attributes['db.query.text'] ?? s.attributes['db.statement'])))).toBe(true);
    expect(spans.some((s) => s.kind === SPAN_KIND.producer && s.service === 'auth')).toBe(true);
  });
});

describe('process entries', () => {
  it('when a process starts, then telemetry starts before anything it instruments is loaded: main.ts imports it first', () => {
    for (const entry of ['gateway/src/main.ts', 'services/auth/src/main.ts', 'services/user/src/main.ts', 'services/notification/src/main.ts']) {
      const firstImport = readFileSync(join(ROOT, entry), 'utf8')
        .split('\n')
        .find((line) => line.startsWith('import '));
      expect({ entry, firstImport }).toEqual({ entry, firstImport: "import { telemetry } from './telemetry';" });
    }
  });
});
