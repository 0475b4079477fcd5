import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Router, type Express } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import { AppError } from '@gatehouse/errors';
import { createHttpApp, type HttpApp } from '@gatehouse/http';
import type { AccessTokenVerifier } from '@gatehouse/jwt';
import type { Logger } from '@gatehouse/logger';
import type { GatewayConfig } from './config';
import { accessControl } from './auth/access-control';
import { createAccessLog } from './edge/access-log';
import { createEdge } from './edge/edge-handler';
import { corsOptions, edgeHeaders } from './edge/security-headers';
import { serveEdgeFirst } from './edge/serve-edge-first';
import { exampleApp } from './example/example-app';
import type { DenyList } from './revocation/deny-list';
import type { RevocationCatchUp } from './revocation/revocation-catch-up';
import { bodyLimit } from './proxy/body-limit';
import { upstreamProxy } from './proxy/upstream-proxy';

export interface GatewayDeps {
  readonly logger: Logger;
  readonly verifier: AccessTokenVerifier;
  /** Revoked users, sessions and clients, filled from the broker; consulted after every verification. */
  readonly denyList: Pick<DenyList, 'has' | 'hasClient'>;
  /** Whether the deny list has caught up with auth's revocation log once; /readyz waits for it. */
  readonly revocations: Pick<RevocationCatchUp, 'synced'>;
  /** Where the proxied requests' access log goes (main.ts batches its writes); `logger` when absent. */
  readonly accessLogger?: Logger;
}

export interface GatewayApp {
  readonly app: Express;
  readonly http: HttpApp;
  /** Closes pooled upstream connections. */
  close(): void;
}

/**
 * Auth's administration of OAuth clients, and its audit log. They lie below the user service's `/api/admin`, so the
 * user route is told to leave it alone; prefixes match whole segments, so `/api/admin/clientsX`
 * is still the user service's.
 */
const AUTH_ADMIN_PREFIXES = ['/api/admin/clients', '/api/admin/audit'];
const AUTH_PREFIXES = [
  '/api/auth',
  ...AUTH_ADMIN_PREFIXES,
  '/.well-known/jwks.json',
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration',
];
const USER_PREFIXES = ['/api/user', '/api/admin'];
/**
 * Auth endpoints that take only a Bearer token: the gateway checks it (and its deny list) too,
 * as it does for the user service. Auth verifies again and checks the session is still live.
 */
const BEARER_AUTH_PREFIXES = ['/api/auth/sessions', '/api/auth/password/change', '/api/auth/mfa', '/api/auth/passkeys', ...AUTH_ADMIN_PREFIXES];
/** Below a Bearer prefix, yet how a session starts: signing in with a passkey. */
const OPEN_AUTH_PREFIXES = ['/api/auth/passkeys/login'];
/**
 * The only protected paths where service tokens (client credentials) get through: the user
 * service's admin API, which checks their scopes itself (role rules below still apply). Anywhere
 * else a valid service token gets 403; in particular a client cannot administer clients.
 */
const SERVICE_TOKEN_PREFIXES = ['/api/admin/users'];

function upstreamAgent(target: string, maxSockets: number): Agent {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: Math.min(maxSockets, 64), timeout: 30_000, scheduling: 'lifo' as const };
  return target.startsWith('https:') ? new HttpsAgent(options) : new Agent(options);
}

/**
 * Composition root of the gateway. The proxied routes are served by the edge, a plain Node
 * request listener in front of Express (see edge/edge-handler.ts); Express keeps the rest: the
 * example page, 404s and the management app, with the same security headers and CORS.
 */
export function createApp(config: Readonly<GatewayConfig>, deps: GatewayDeps): GatewayApp {
  const { logger, verifier } = deps;
  const http = createHttpApp({
    service: 'gateway',
    logger,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    parseJson: false,
    // No broker check: /readyz can only fail, and a gateway without its revocation feed should
    // keep serving (tokens still expire within minutes) rather than take the platform down
    // with the broker. The connection logs every loss and reconnect instead.
    readinessChecks: {
      jwks: async () => {
        if (config.JWT_VERIFY_MODE !== 'off' && !verifier.ready()) throw new AppError('service_unavailable', 'JWKS not loaded yet.');
      },
      // Fails only until the first catch-up. A new gateway takes no traffic until it has bound its
      // queue and caught up, or it would accept every token revoked before it started. A
      // reconnected one stays ready while it catches up again: the broker is shared, so failing
      // readiness on a broker blip would pull every gateway out at once; what it may accept
      // meanwhile is a token revoked during the outage, until auth answers (retries ≤ 5 s apart).
      // The price: a gateway that cannot reach the broker or auth at start stays unready.
      revocations: async () => {
        if (config.JWT_VERIFY_MODE !== 'off' && !deps.revocations.synced()) throw new AppError('service_unavailable', 'Revocations not caught up yet.');
      },
    },
  });
  http.app.use(helmet());
  http.app.use(cors(corsOptions(config.CORS_ORIGINS)));
  if (config.EXAMPLE_APP) http.app.use('/example', exampleApp());

  const agents = {
    auth: upstreamAgent(config.AUTH_SERVICE_URL, config.UPSTREAM_MAX_SOCKETS),
    user: upstreamAgent(config.USER_SERVICE_URL, config.UPSTREAM_MAX_SOCKETS),
  };
  const upstream = { timeoutMs: config.UPSTREAM_TIMEOUT_MS, connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS, logger };
  const edge = createEdge({
    routes: [
      { prefixes: AUTH_PREFIXES, upstream: upstreamProxy({ ...upstream, name: 'auth', target: config.AUTH_SERVICE_URL, agent: agents.auth }) },
      {
        prefixes: USER_PREFIXES,
        except: AUTH_ADMIN_PREFIXES,
        upstream: upstreamProxy({ ...upstream, name: 'user', target: config.USER_SERVICE_URL, agent: agents.user }),
      },
    ],
    headers: edgeHeaders(config.CORS_ORIGINS),
    guard: accessControl({
      mode: config.JWT_VERIFY_MODE,
      verifier,
      isRevoked: (claims) => (claims.kind === 'user' ? deps.denyList.has(claims.sub, claims.sid) : deps.denyList.hasClient(claims.clientId)),
      protectedPrefixes: [...USER_PREFIXES, ...BEARER_AUTH_PREFIXES],
      openPrefixes: OPEN_AUTH_PREFIXES,
      serviceTokenPrefixes: SERVICE_TOKEN_PREFIXES,
      roleRules: [{ prefix: '/api/admin', role: 'admin' }],
      mfaRequiredPrefixes: config.MFA_REQUIRED_PREFIXES,
    }),
    bodyLimit: bodyLimit(config.BODY_LIMIT_BYTES),
    trustProxyHops: config.TRUST_PROXY_HOPS,
    accessLog: createAccessLog(deps.accessLogger ?? logger, http.registry),
    logger,
  });

  return {
    app: serveEdgeFirst(http.finish(Router()), edge),
    http,
    close() {
      agents.auth.destroy();
      agents.user.destroy();
    },
  };
}
