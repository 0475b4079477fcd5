import { Router } from 'express';
import Joi from 'joi';
import { route, validate } from '@gatehouse/http';
import type { RevocationLog } from '../store/revocation-log.store';

/** Where gateways fetch what they missed; never proxied, reachable only inside the cluster. */
export const REVOCATIONS_PATH = '/internal/revocations';

export interface RevocationsRoutesOptions {
  readonly log: RevocationLog;
  /** How far back the outbox reaches (OUTBOX_RETENTION_SECONDS): a longer window would lie. */
  readonly retentionSeconds: number;
}

/**
 * `GET /internal/revocations?windowSeconds=N`: the sessions, users and clients revoked in the
 * last N seconds (measured on the database's clock, so a verifier's skew does not matter).
 * Ids only, no secrets; still, the gateway never proxies `/internal`, and in Kubernetes only
 * the gateway and user pods reach auth's API port.
 */
export function revocationsRoutes(options: RevocationsRoutesOptions): Router {
  const router = Router();
  const query = Joi.object({ windowSeconds: Joi.number().integer().min(1).max(options.retentionSeconds).required() });
  route(router, REVOCATIONS_PATH, {
    GET: [
      async (req, res) => {
        const { windowSeconds } = validate(query, req.query) as { windowSeconds: number };
        res.set('Cache-Control', 'no-store').json(await options.log.since(windowSeconds));
      },
    ],
  });
  return router;
}
