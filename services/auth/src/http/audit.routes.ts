import { Router } from 'express';
import { route, validate } from '@gatehouse/http';
import { requireAccessToken, requireRole, type AccessTokenVerifier } from '@gatehouse/jwt';
import type { SessionStore } from '../domain/auth.ports';
import type { AuditLogStore, StoredAuditRecord } from '../store/audit-log.store';
import { auditQuery } from './audit.schemas';
import { requireLiveSession } from './guards';

export interface AuditRoutesOptions {
  readonly log: Pick<AuditLogStore, 'find'>;
  readonly verifier: AccessTokenVerifier;
  readonly sessions: Pick<SessionStore, 'exists'>;
}

/** What admins see of a record. */
const eventView = (record: StoredAuditRecord) => ({
  id: record.id,
  time: record.at.toISOString(),
  action: record.action,
  outcome: record.outcome,
  actor: record.actor ?? null,
  subject: record.subject ?? null,
  reason: record.reason ?? null,
  clientPrefix: record.clientPrefix,
  userAgent: record.userAgent,
  requestId: record.requestId,
  traceId: record.traceId,
});

/** The audit log, read by admins, newest first. Reading only: no route changes or removes a record. */
export function auditRoutes(options: AuditRoutesOptions): Router {
  const router = Router();
  // As for /api/admin/clients: an admin in a live session; service tokens get 403.
  const admin = [requireAccessToken(options.verifier), requireLiveSession(options.sessions), requireRole('admin')];

  route(router, '/api/admin/audit', {
    GET: [
      ...admin,
      async (req, res) => {
        const query = validate(auditQuery, req.query);
        // One more than asked tells whether another page follows.
        const found = await options.log.find({ ...query, limit: query.limit + 1 });
        const events = found.slice(0, query.limit);
        const nextCursor = found.length > query.limit ? events[events.length - 1]!.id : null;
        res.set('Cache-Control', 'no-store').json({ events: events.map(eventView), nextCursor });
      },
    ],
  });

  return router;
}
