import { request, type IncomingHttpHeaders } from 'node:http';
import express from 'express';
import { createLogger } from '@gatehouse/logger';
import { captureLogs, serveOnFreePort, testInfrastructure, uniqueName, type RunningServer } from '@gatehouse/testing';
import { loadGatewayConfig, type GatewayConfig } from '../src/config';
import { createApp } from '../src/app';
import { connectInfrastructure } from '../src/infrastructure';
import type { DenyList } from '../src/revocation/deny-list';
import { generateTestKey, serveJwks, type JwksServer, type TestKey } from '../../libs/jwt/test/token-fixtures';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface EchoUpstream extends RunningServer {
  readonly seen: SeenRequest[];
}

/** Auth's revocation log as a stand-in auth answers it: nothing was revoked before the test. */
const NO_REVOCATIONS = { sessions: [], users: [], clients: [] };

/**
 * A stand-in service that records and echoes every request. `/slow` answers late; auth paths
 * set a cookie so Set-Cookie pass-through can be checked. `/internal/revocations` (which a
 * gateway with a revocation feed calls itself, and never proxies) answers an empty log and is
 * not recorded, so it does not count as a proxied request.
 */
export async function startEchoUpstream(slowMs = 1000): Promise<EchoUpstream> {
  const seen: SeenRequest[] = [];
  const app = express();
  app.get('/internal/revocations', (_req, res) => {
    res.json(NO_REVOCATIONS);
  });
  app.use(express.text({ type: '*/*', limit: '1mb' }));
  app.use(async (req, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    seen.push({ method: req.method, url: req.originalUrl, headers: req.headers, body });
    if (req.path.endsWith('/slow')) await new Promise((resolve) => setTimeout(resolve, slowMs));
    if (req.path.startsWith('/api/auth')) res.cookie('refresh', 'r1', { httpOnly: true, path: '/api/auth' });
    if (!res.writableEnded) res.status(200).json({ method: req.method, url: req.originalUrl, headers: req.headers, body });
  });
  const server = await serveOnFreePort(app);
  return { ...server, seen };
}

/** A URL where nothing listens: bound once, then released. */
export async function deadUrl(): Promise<string> {
  const server = await serveOnFreePort(express());
  await server.close();
  return server.url;
}

export interface Gateway {
  readonly url: string;
  readonly key: TestKey;
  readonly jwks: JwksServer;
  readonly auth: EchoUpstream;
  readonly user: EchoUpstream;
  readonly config: Readonly<GatewayConfig>;
  readonly denyList: DenyList;
  readonly logs: ReturnType<typeof captureLogs>;
  /** Requests the upstreams received, in total. */
  upstreamHits(): number;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /**
   * Feeds the deny list from the real broker, on an exchange of this gateway's own (deleted on
   * close) unless `env` names one (another harness's, left alone), and catches up from
   * `AUTH_SERVICE_URL`'s revocation log after every subscription.
   */
  readonly revocationFeed?: boolean;
  /** The deny list's clock; the verifier keeps the real one, so moving it tests the deny list alone. */
  readonly now?: () => number;
}

/** The gateway in-process on a free port, with a real JWKS server and echo upstreams. */
export async function startGateway(env: Record<string, string> = {}, options: GatewayOptions = {}): Promise<Gateway> {
  const key = generateTestKey('RS256');
  const jwks = await serveJwks([key]);
  const auth = await startEchoUpstream();
  const user = await startEchoUpstream();
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    AUTH_SERVICE_URL: auth.url,
    USER_SERVICE_URL: user.url,
    JWKS_URL: jwks.jwksUrl,
    UPSTREAM_TIMEOUT_MS: '200',
    UPSTREAM_CONNECT_TIMEOUT_MS: '200',
    BODY_LIMIT_BYTES: '1024',
    AMQP_URL: testInfrastructure().amqpUrl,
    EVENTS_EXCHANGE: uniqueName('gateway_events'),
    ...env,
  });
  const logs = captureLogs();
  const logger = createLogger({ service: 'gateway-test', level: 'debug', destination: logs.stream });
  // As main.ts builds it; the broker is awaited so that the feed is subscribed once this returns.
  const infrastructure = await connectInfrastructure(config, logger, {
    revocationFeed: options.revocationFeed ?? false,
    brokerWaitMs: 5000,
    ...(options.now ? { now: options.now } : {}),
  });
  await infrastructure.verifier.refresh().catch(() => undefined);
  const gateway = createApp(config, { ...infrastructure, logger });
  const server = await serveOnFreePort(gateway.app);
  return {
    url: server.url,
    key,
    jwks,
    auth,
    user,
    config,
    denyList: infrastructure.denyList,
    logs,
    upstreamHits: () => auth.seen.length + user.seen.length,
    async close() {
      // Another harness's exchange (named in `env`) is left alone.
      if (env.EVENTS_EXCHANGE === undefined) await infrastructure.connection?.channel()?.deleteExchange(config.EVENTS_EXCHANGE);
      await server.close();
      await infrastructure.close();
      gateway.close();
      await Promise.all([jwks.close(), auth.close(), user.close()]);
    },
  };
}

/** A GET with the path sent byte for byte (fetch would normalise dot segments away). */
export function rawGet(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}
