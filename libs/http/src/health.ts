import { Router } from 'express';
import type { Registry } from 'prom-client';

/** A readiness check: resolves when the dependency is usable, rejects otherwise. */
export type ReadinessCheck = () => Promise<void>;

export interface HealthOptions {
  readonly registry: Registry;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** Turns false when shutdown starts, so load balancers stop sending traffic first. */
  readonly isAcceptingTraffic: () => boolean;
  readonly checkTimeoutMs?: number;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<'ok' | 'failing'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch {
    return 'failing';
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz` (process alive), `/readyz` (dependencies reachable) and `/metrics`. */
export function healthRoutes(options: HealthOptions): Router {
  const router = Router();
  const timeoutMs = options.checkTimeoutMs ?? 2000;
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const names = Object.keys(options.checks);
    const results = await Promise.all(names.map((name) => runCheck(options.checks[name]!, timeoutMs)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]]));
    const ready = options.isAcceptingTraffic() && results.every((r) => r === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(options.registry.contentType).send(await options.registry.metrics());
  });
  return router;
}
