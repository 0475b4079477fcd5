import Joi from 'joi';
import { AUDIT_ACTIONS, type AuditAction } from '../domain/audit.ports';

export interface AuditQueryParams {
  readonly subject?: string;
  readonly action?: AuditAction;
  readonly before?: string;
  readonly limit: number;
}

/** A page is at most this long, so one query never reads much of the table. */
export const AUDIT_PAGE_MAX = 200;
const AUDIT_PAGE_DEFAULT = 50;

/** The cursor is a record id: a positive bigint in decimal. */
const CURSOR = /^[1-9][0-9]{0,18}$/;
/** PostgreSQL's largest bigint: nineteen digits may exceed it, and the query would fail with a 500. */
const BIGINT_MAX = 9_223_372_036_854_775_807n;

export const auditQuery = Joi.object<AuditQueryParams>({
  // A user id (uuid) or a client id (svc_…); the column holds no more than 64 characters.
  subject: Joi.string()
    .pattern(/^[A-Za-z0-9_-]{1,64}$/)
    .messages({ 'string.pattern.base': '{{#label}} must be a user id or client id' }),
  action: Joi.string().valid(...AUDIT_ACTIONS),
  before: Joi.string()
    .pattern(CURSOR)
    .custom((value: string, helpers) => (CURSOR.test(value) && BigInt(value) > BIGINT_MAX ? helpers.error('string.pattern.base') : value))
    .messages({ 'string.pattern.base': '{{#label}} must be a nextCursor of an earlier page' }),
  limit: Joi.number().integer().min(1).max(AUDIT_PAGE_MAX).default(AUDIT_PAGE_DEFAULT),
});
