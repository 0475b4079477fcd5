import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { AppError } from '@gatehouse/errors';
import type { Logger } from '@gatehouse/logger';
import { errorHandler } from './error-handler';
import { healthRoutes, type ReadinessCheck } from './health';

export interface ManagementAppOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly isAcceptingTraffic: () => boolean;
}

/**
 * `/healthz`, `/readyz` and `/metrics`, for the management port only: kubelets and Prometheus
 * reach it inside the cluster, the Ingress never does. No access log, since probes arrive every
 * few seconds and would drown the rest; no request metrics, which describe the API.
 */
export function createManagementApp(options: ManagementAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(healthRoutes({ registry: options.registry, checks: options.checks, isAcceptingTraffic: options.isAcceptingTraffic }));
  app.use((req, _res, next) => {
    next(new AppError('not_found', `No route for ${req.method} ${req.path}.`));
  });
  app.use(errorHandler(options.logger));
  return app;
}
