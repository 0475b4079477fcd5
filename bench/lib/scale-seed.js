/**
 * Seeds the scale bench: users into auth's `credentials` and the user service's `profiles` (COPY,
 * schemas of services/auth/migrations/0001 and services/user/migrations/0001+0002), and one
 * session per user into Redis through auth's own session store (services/auth/dist), so every
 * byte in Redis is what a login writes. Users are numbered; row i is the same user in both places.
 */
const { randomUUID } = require('node:crypto');
const Redis = require('ioredis');
const { copyRows } = require('./pg-copy');
const { createSessionStore } = require('../../services/auth/dist/store/session.store');

/** A desktop browser's User-Agent, as the sessions list stores it. */
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SESSIONS_IN_FLIGHT = 2000;
const DAY_MS = 86_400_000;

const emailOf = (i) => `scale-${i}@example.com`;
const nameOf = (i) => `Scale User ${i}`;

/** Ids of users [from, to), made once and kept so sessions and tokens can name them. */
function newIds(from, to) {
  return Array.from({ length: to - from }, () => randomUUID());
}

function* credentialRows(ids, from, passwordHash, createdAt) {
  for (let k = 0; k < ids.length; k++) {
    const i = from + k;
    yield [ids[k], emailOf(i), passwordHash, nameOf(i), '{user}', 't', createdAt, createdAt];
  }
}

/** Creation instants one millisecond apart, so keyset order is the seed order. */
function* profileRows(ids, from, baseMs) {
  for (let k = 0; k < ids.length; k++) {
    const i = from + k;
    const at = new Date(baseMs + i).toISOString();
    yield [ids[k], emailOf(i), nameOf(i), '{user}', 't', at, at];
  }
}

async function seedUsers({ authDb, userDb, ids, from, passwordHash, baseMs }) {
  const createdAt = new Date(baseMs).toISOString();
  await Promise.all([
    copyRows(
      authDb,
      'credentials',
      ['id', 'email', 'password_hash', 'name', 'roles', 'email_verified', 'created_at', 'updated_at'],
      credentialRows(ids, from, passwordHash, createdAt),
    ),
    copyRows(userDb, 'profiles', ['id', 'email', 'name', 'roles', 'email_verified', 'created_at', 'updated_at'], profileRows(ids, from, baseMs)),
  ]);
}

/**
 * One session per user, created by auth's session store with its default lifetimes (7 days idle,
 * 30 days absolute) on a pipelining client, `SESSIONS_IN_FLIGHT` at a time. Returns the session ids.
 */
async function seedSessions({ redisUrl, prefix, ids, from }) {
  const redis = new Redis(redisUrl, { keyPrefix: prefix, enableAutoPipelining: true });
  const store = createSessionStore(redis, {
    idleSeconds: (7 * DAY_MS) / 1000,
    maxAgeSeconds: (30 * DAY_MS) / 1000,
    reuseGraceMs: 10_000,
    refreshLimit: { limit: 1_000_000_000, windowSeconds: 60 },
    maxSessionsPerUser: 100,
    fenceSeconds: 3600,
    clock: Date.now,
  });
  const sessionIds = new Array(ids.length);
  try {
    for (let start = 0; start < ids.length; start += SESSIONS_IN_FLIGHT) {
      const batch = [];
      for (let k = start; k < Math.min(ids.length, start + SESSIONS_IN_FLIGHT); k++) {
        const i = from + k;
        const sessionId = randomUUID();
        sessionIds[k] = sessionId;
        const claims = { userId: ids[k], email: emailOf(i), name: nameOf(i), roles: ['user'], emailVerified: true };
        batch.push(store.create({ userId: ids[k], sessionId, claims, notBefore: Date.now(), userAgent: USER_AGENT, amr: ['pwd'] }));
      }
      const results = await Promise.all(batch);
      if (results.some((r) => !r.created)) throw new Error('a seeded session was not created');
    }
  } finally {
    redis.disconnect();
  }
  return sessionIds;
}

module.exports = { seedUsers, seedSessions, newIds, emailOf, USER_AGENT };
