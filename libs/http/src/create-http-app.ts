import express, { type Express, type RequestHandler, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import { AppError } from '@gatehouse/errors';
import type { Logger } from '@gatehouse/logger';
import { errorHandler } from './error-handler';
import { exceptProtocolPaths, rejectPrototypeKeys, requireJsonBody } from './body-guards';
import { requestId } from './request-id';
import { createHttpMetrics } from './metrics';
import type { ReadinessCheck } from './health';
import { createManagementApp } from './management-app';
import type { Registry } from 'prom-client';

/**
 * The Express setting under which the API app keeps its management app, so a test harness that
 * holds only the API app can serve both (`serveOnFreePort` in libs/testing reads it).
 */
export const MANAGEMENT_APP_SETTING = 'gatehouse management app';

/**
 * The URL without its query string. Queries carry secrets (the verification link's `?token=`),
 * and logs are kept longer and read by more people than the secrets are meant for.
 */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export interface HttpAppOptions {
  readonly service: string;
  readonly logger: Logger;
  /** How many reverse proxies in front of us may set X-Forwarded-For; 0 trusts none. */
  readonly trustProxyHops: number;
  readonly readinessChecks: Readonly<Record<string, ReadinessCheck>>;
  /** Parse JSON bodies (default true). A proxy passes bodies through untouched instead. */
  readonly parseJson?: boolean;
  readonly bodyLimitBytes?: number;
  /**
   * Paths whose bodies are not JSON by protocol (an OAuth token endpoint takes a form). The JSON
   * guard and parser skip every request to them; the route must cap and check the body and method.
   */
  readonly protocolBodyPaths?: readonly string[];
}

export interface HttpApp {
  /** The API: what the public port serves. */
  readonly app: Express;
  /** `/healthz`, `/readyz` and `/metrics`: what the management port serves. */
  readonly management: Express;
  readonly registry: Registry;
  /** Mounts the service's routes, then the 404 and the problem+json error handler. */
  finish(routes: Router | RequestHandler): Express;
  /** Flips `/readyz` to 503 so traffic drains before the server closes. */
  stopAcceptingTraffic(): void;
}

/**
 * The HTTP pipeline every Gatehouse process shares: request id, access log, metrics, JSON-only
 * bodies with a size cap, and RFC 9457 errors; beside it, the management app with health and
 * metrics, served on a port of its own.
 */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const app = express();
  let accepting = true;
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxyHops);
  app.set('etag', false);
  const metrics = createHttpMetrics(options.service);

  app.use(
    pinoHttp({
      logger: options.logger,
      genReqId: requestId,
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
      serializers: {
        req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: pathOf(req.url),
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(metrics.observe);
  const management = createManagementApp({
    logger: options.logger,
    registry: metrics.registry,
    checks: options.readinessChecks,
    isAcceptingTraffic: () => accepting,
  });
  app.set(MANAGEMENT_APP_SETTING, management);
  if (options.parseJson ?? true) {
    const json = express.json({ limit: options.bodyLimitBytes ?? 16 * 1024, strict: true, type: 'application/json' });
    app.use(exceptProtocolPaths(options.protocolBodyPaths ?? [], [requireJsonBody, json, rejectPrototypeKeys]));
  }

  return {
    app,
    management,
    registry: metrics.registry,
    finish(routes) {
      app.use(routes);
      app.use((req, _res, next) => {
        next(new AppError('not_found', `No route for ${req.method} ${req.path}.`));
      });
      app.use(errorHandler(options.logger));
      return app;
    },
    stopAcceptingTraffic() {
      accepting = false;
    },
  };
}
