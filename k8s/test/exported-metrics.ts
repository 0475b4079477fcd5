import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import type { Registry } from 'prom-client';
import { AppError, rateLimitedError } from '../../libs/errors/src';
import { registerBrokerGauge } from '../../libs/http/src/broker-gauge';
import { createHttpMetrics } from '../../libs/http/src/metrics';
import { createAuditMetrics } from '../../services/auth/src/audit-metrics';
import { createAuthMetrics } from '../../services/auth/src/http/auth-metrics';
import { createNotificationMetrics } from '../../services/notification/src/http/notification-metrics';

export type Labels = Readonly<Record<string, string>>;

/** Every series the code exports, by series name (a histogram's `_bucket`, `_count`, `_sum`). */
export type SeriesCatalog = ReadonlyMap<string, readonly Labels[]>;

/** Runs libs/http's request-metrics middleware on one answered request, as Express would. */
function answer(registry: ReturnType<typeof createHttpMetrics>, method: string, route: string, status: number): void {
  const res = Object.assign(new EventEmitter(), { statusCode: status });
  const req = { method, baseUrl: '', route: { path: route } };
  registry.observe(req as unknown as Request, res as unknown as Response, () => undefined);
  res.emit('finish');
}

async function failing(error: Error): Promise<never> {
  throw error;
}

/**
 * The registries the four processes build (the same factories their app.ts and main.ts call),
 * driven through the events the alerts are about: refresh reuse, failed and throttled logins, a
 * wrong second-factor code, 5xx answers, a lost broker, a failed email, a dead-lettered event,
 * audit records waiting, failing and dropped.
 * The metric and label names and the error-to-outcome mapping are the code's; a rename there
 * changes what this returns.
 */
export async function exportedSeries(services: readonly string[]): Promise<SeriesCatalog> {
  const registries: Registry[] = [];
  for (const service of services) {
    const http = createHttpMetrics(service);
    registries.push(http.registry);
    registerBrokerGauge(http.registry, { isConnected: () => false });
    for (const status of [200, 401, 502, 503, 504]) answer(http, 'POST', '/api/example', status);
    if (service === 'auth') {
      const auth = createAuthMetrics(http.registry);
      await auth.track('login', async () => 'signed in');
      await auth.track('login_mfa', async () => 'signed in');
      const attempts: [Parameters<typeof auth.track>[0], Error][] = [
        ['refresh', new AppError('refresh_token_reused', 'reused')],
        ['login', new AppError('invalid_credentials', 'wrong password')],
        ['login', rateLimitedError(1000)],
        ['login_mfa', new AppError('mfa_code_invalid', 'wrong code')],
        ['login', new AppError('dependency_unavailable', 'Redis is down')],
      ];
      for (const [operation, error] of attempts) await auth.track(operation, () => failing(error)).catch(() => undefined);
      const audit = createAuditMetrics(http.registry, () => 1);
      audit.writeFailed('transient');
      audit.writeFailed('rejected');
      audit.dropped(1, 'rejected');
    }
    if (service === 'notification') {
      const notification = createNotificationMetrics(http.registry);
      notification.sent('verification');
      notification.failed('verification');
      notification.event('handled', 'user.registered');
      notification.event('dead_lettered', 'user.registered');
    }
  }
  const catalog = new Map<string, Labels[]>();
  for (const registry of registries) {
    for (const metric of await registry.getMetricsAsJSON()) {
      for (const value of metric.values as { metricName?: string; labels: Record<string, string | number> }[]) {
        const name = value.metricName ?? metric.name;
        const labels = Object.fromEntries(Object.entries(value.labels).map(([k, v]) => [k, String(v)]));
        catalog.set(name, [...(catalog.get(name) ?? []), labels]);
      }
    }
  }
  return catalog;
}
