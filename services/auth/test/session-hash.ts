import type { Cluster, Redis } from 'ioredis';
import { redisKeys } from '../src/store/redis-keys';
import { fieldIdOf, sessionIdOf } from '../src/store/session.layout';

/** A user's session hash as the store lays it out (session.scripts.ts), for tests that look inside. */

const SESSION_FIELD = /^s([A-Za-z0-9_-]{22})$/;

/** The `s<id>` field of a session. */
export const stateField = (sessionId: string) => `s${fieldIdOf(sessionId)!}`;

/** The ids of the sessions stored for a user. */
export async function storedSessionIds(redis: Redis | Cluster, userId: string): Promise<string[]> {
  const fields = await redis.hkeys(redisKeys.sessions(userId));
  return fields.flatMap((field) => {
    const id = SESSION_FIELD.exec(field)?.[1];
    return id ? [sessionIdOf(id)] : [];
  });
}

/**
 * Rewrites a user's sessions as the service stored them before the listpack layout (one
 * hashtable: claims JSON, `s:<uuid>` decimal ms, `m:<uuid>` JSON), as a deploy finds them.
 * `userAgent` replaces the stored label with what the old layout kept: the whole User-Agent.
 */
export async function rewriteInLegacyLayout(redis: Redis | Cluster, userId: string, options: { userAgent?: string; withoutAmr?: boolean } = {}): Promise<void> {
  const key = redisKeys.sessions(userId);
  const fields = await redis.hgetall(key);
  const ttl = await redis.pttl(key);
  const ms = (b36: string) => parseInt(b36, 36);
  const text = (name: string) => {
    let value = fields[name];
    for (let n = 2; value !== undefined && fields[`${name}${n}`] !== undefined; n++) value += fields[`${name}${n}`];
    return value;
  };
  const legacy: Record<string, string> = {
    claims: JSON.stringify({ userId, email: text('e'), name: text('n') ?? null, roles: fields.r ? fields.r.split(',') : [], emailVerified: fields.v === '1' }),
  };
  if (fields.f) legacy.fence = fields.f;
  for (const [field, value] of Object.entries(fields)) {
    const id = SESSION_FIELD.exec(field)?.[1];
    if (!id) continue;
    const uuid = sessionIdOf(id);
    const [generation, rotatedAt, idleUntil, expiresAt, , , amr] = value.split('|') as [string, string, string, string, string, string, string];
    legacy[`s:${uuid}`] = generation === '-' ? `reused|${ms(idleUntil)}|${ms(expiresAt)}` : [generation, rotatedAt, idleUntil, expiresAt].map(ms).join('|');
    const [createdAt, label] = (fields[`m${id}`] ?? '0|').split('|') as [string, string];
    const meta = { createdAt: ms(createdAt), userAgent: options.userAgent ?? (label || null), amr: amr.split(',') };
    legacy[`m:${uuid}`] = JSON.stringify(options.withoutAmr ? { createdAt: meta.createdAt, userAgent: meta.userAgent } : meta);
  }
  await redis.multi().del(key).hset(redisKeys.legacySessions(userId), legacy).pexpire(redisKeys.legacySessions(userId), ttl).exec();
}
