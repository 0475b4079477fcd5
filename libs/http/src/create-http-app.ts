import express, { type Express, type RequestHandler, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import { AppError } from '@gatehouse/errors';
import type { Logger } from '@gatehouse/logger';
import { errorHandler } from './error-handler';
import { rejectPrototypeKeys, requireJsonBody } from './body-guards';
import { requestId } from './request-id';
import { createHttpMetrics } from './metrics';
import { healthRoutes, type ReadinessCheck } from './health';
import type { Registry } from 'prom-client';

/** Health and metrics probes arrive every few seconds; logging them would drown the rest. */
const UNLOGGED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

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
}

export interface HttpApp {
  readonly app: Express;
  readonly registry: Registry;
  /** Mounts the service's routes, then the 404 and the problem+json error handler. */
  finish(routes: Router | RequestHandler): Express;
  /** Flips `/readyz` to 503 so traffic drains before the server closes. */
  stopAcceptingTraffic(): void;
}

/**
 * The HTTP pipeline every Gatehouse process shares: request id, access log, metrics, health,
 * JSON-only bodies with a size cap, and RFC 9457 errors.
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
      autoLogging: { ignore: (req) => UNLOGGED_PATHS.has(pathOf(req.url ?? '')) },
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
  app.use(
    healthRoutes({
      registry: metrics.registry,
      checks: options.readinessChecks,
      isAcceptingTraffic: () => accepting,
    }),
  );
  if (options.parseJson ?? true) {
    app.use(requireJsonBody);
    app.use(express.json({ limit: options.bodyLimitBytes ?? 16 * 1024, strict: true, type: 'application/json' }));
    app.use(rejectPrototypeKeys);
  }

  return {
    app,
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
