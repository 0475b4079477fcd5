import type { Role, SessionClaims, SessionInfo } from '../domain/auth.ports';
import { storedAmr, type AuthMethod } from '../domain/auth-methods';
import { deviceLabel } from './device-label';

/**
 * The TypeScript side of the session hash's layout (session.scripts.ts): how ids, claims and the
 * sessions list are written into and read out of the scripts' arguments and replies.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FIELD_ID = /^[A-Za-z0-9_-]{22}$/;

/** A session id as the hash names it: 22 characters of base64url, not 36 of UUID text; undefined for a non-UUID. */
export function fieldIdOf(sessionId: string): string | undefined {
  return UUID.test(sessionId) ? Buffer.from(sessionId.replace(/-/g, ''), 'hex').toString('base64url') : undefined;
}

export function sessionIdOf(fieldId: string): string {
  const hex = Buffer.from(fieldId, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** CREATE_SESSION's arguments from amr on: amr, device label, roles, emailVerified, email[, name]. */
export function sessionArgs(claims: SessionClaims, amr: readonly AuthMethod[], userAgent: string | null): string[] {
  const args = [amr.join(','), deviceLabel(userAgent) ?? '', claims.roles.join(','), claims.emailVerified ? '1' : '0', claims.email];
  return claims.name === null ? args : [...args, claims.name];
}

export interface StoredSession {
  readonly generation: number;
  readonly idleUntil: number;
  readonly amr: AuthMethod[];
  readonly claims: SessionClaims;
}

/** session_reply of session.scripts.ts: outcome, generation, idleUntil, amr, roles, emailVerified, email[, name]. */
export function storedSessionOf(userId: string, reply: readonly string[]): StoredSession {
  const [, generation, idleUntil, amr, roles, verified, email, name] = reply as [string, string, string, string, string, string, string, string?];
  return {
    generation: Number(generation),
    idleUntil: Number(idleUntil),
    amr: storedAmr(amr === '' ? undefined : amr.split(',')),
    claims: { userId, email, name: name ?? null, roles: roles === '' ? [] : (roles.split(',') as Role[]), emailVerified: verified === '1' },
  };
}

/** The live sessions among a hash's fields (HGETALL, flat), most recently used first. */
export function listedSessions(fields: readonly string[], now: number): SessionInfo[] {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!, fields[i + 1]!);
  const sessions: SessionInfo[] = [];
  for (const [field, state] of values) {
    const id = field.slice(1);
    if (field[0] !== 's' || !FIELD_ID.test(id)) continue;
    const [, rotatedAt, idleUntil, expiresAt] = state.split('|').map((n) => parseInt(n, 36)) as [number, number, number, number];
    if (!(now < idleUntil && now < expiresAt)) continue;
    const meta = values.get(`m${id}`) ?? '';
    const bar = meta.indexOf('|');
    const createdAt = bar > 0 ? parseInt(meta.slice(0, bar), 36) : 0;
    const label = bar >= 0 ? meta.slice(bar + 1) : '';
    sessions.push({ sessionId: sessionIdOf(id), createdAt, lastUsedAt: Math.max(rotatedAt, createdAt), userAgent: label === '' ? null : label });
  }
  return sessions.sort((a, b) => b.lastUsedAt - a.lastUsedAt);
}
