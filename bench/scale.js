#!/usr/bin/env node
/**
 * `npm run bench -- scale [10000,100000,1000000]`: how each cost grows with the number of users.
 * Not part of `npm test`.
 *
 * Starts auth and user (built dist) on bench-only databases and a Redis prefix, then grows the
 * population size by size: users by COPY into credentials and profiles, one session per user
 * through auth's own session store (bench/lib/scale-seed.js). At each size it measures admin list
 * p99 on the first, middle and last page (keyset pagination), login p99, refresh p99 of seeded
 * sessions, Redis bytes per session and PostgreSQL bytes per user; the gateway's deny list is
 * measured in process with as many revoked sessions. Each cost gets its log-log slope
 * (0 = flat, 1 = linear). Writes bench/results/scale-<stamp>.json and the "scale" section of
 * bench/RESULTS.md, then drops everything it created.
 */
/* global fetch -- Node 20 built-ins */
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { randomBytes, randomInt } = require('node:crypto');
const { Client } = require('pg');
const Redis = require('ioredis');
const { startService, stopService } = require('./lib/processes');
const { dropDatabases, deleteKeys } = require('./lib/infra');
const { PG, REDIS_URL, authEnv } = require('./lib/auth-env');
const { closedLoop } = require('./lib/closed-loop');
const { refreshWindows } = require('./lib/refresh-windows');
const { seedUsers, seedSessions, newIds, emailOf } = require('./lib/scale-seed');
const { writeSection } = require('./lib/results-section');
const { median } = require('./lib/load');
const { spread } = require('./lib/stats');
const { createSessionTokens } = require('../services/auth/dist/crypto/session-tokens');
const { redisKeys } = require('../services/auth/dist/store/redis-keys');

const DEFAULT_SIZES = [10_000, 100_000, 1_000_000];
const PAGE = 50;
const PASSWORD = 'Scale-bench-password-1';
const LATENCY_REQUESTS = 400;
const REFRESH_CLIENTS = 16;
/** Each latency is measured this many times, interleaved; the table shows the median p99. */
const REPS = 3;
const log = (msg) => process.stderr.write(`[scale ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function query(url, sql, params = []) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function post(url, body, expected) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== expected) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
  return res;
}

/** The cursor the user service issues for a row (services/user/src/domain/page-cursor.ts). */
const cursorOf = (row) => Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url');

/** Admin list p99 at the first page, the page after the middle row and the last page. */
async function adminListP99({ user, userDb, adminToken }) {
  // The admin's own profile appears with its first request; count after it.
  await fetch(`${user.url}/api/admin/users?limit=1`, { headers: { authorization: `Bearer ${adminToken}` } });
  const total = Number((await query(userDb, 'SELECT count(*) AS n FROM profiles'))[0].n);
  const rowAt = async (offset) => (await query(userDb, 'SELECT created_at, id FROM profiles ORDER BY created_at, id OFFSET $1 LIMIT 1', [offset]))[0];
  const pages = { first: undefined, middle: cursorOf(await rowAt(Math.floor(total / 2))), last: cursorOf(await rowAt(total - PAGE - 1)) };
  const out = {};
  for (const [name, cursor] of Object.entries(pages)) {
    const pathOf = `/api/admin/users?limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`;
    const check = await fetch(`${user.url}${pathOf}`, { headers: { authorization: `Bearer ${adminToken}` } });
    const body = await check.json();
    if (check.status !== 200 || body.users.length !== PAGE) throw new Error(`${name} page answered ${check.status} with ${body.users?.length} users`);
    if (name === 'last' && body.nextCursor !== null) throw new Error('the last page has a next cursor');
    out[name] = () =>
      closedLoop({
        url: user.url,
        pid: user.child.pid,
        count: LATENCY_REQUESTS,
        next: () => ({ method: 'GET', path: pathOf, headers: { authorization: `Bearer ${adminToken}` } }),
      });
  }
  return { measurements: out, plans: await pagePlans(userDb, pages) };
}

/**
 * What PostgreSQL does for each page: the store's keyset query under EXPLAIN (ANALYZE, BUFFERS).
 * Buffers touched do not depend on the machine's load, so they show flatness where p99 is noisy.
 */
async function pagePlans(userDb, pages) {
  const plans = {};
  for (const [name, cursor] of Object.entries(pages)) {
    const after = cursor && JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const sql = after
      ? `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM profiles WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT ${PAGE + 1}`
      : `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM profiles ORDER BY created_at, id LIMIT ${PAGE + 1}`;
    plans[name] = planOf((await query(userDb, sql, after ? [after[0], after[1]] : []))[0]['QUERY PLAN'][0]);
  }
  return plans;
}

/** Buffers and time of a plan, and the scan node that did the work. */
function planOf(plan) {
  const scan = (node) => (node.Plans ? scan(node.Plans[0]) : node['Node Type']);
  const top = plan.Plan;
  return { buffers: top['Shared Hit Blocks'] + top['Shared Read Blocks'], executionMs: plan['Execution Time'], scan: scan(top) };
}

/** The credential lookup of a login (by unique email) under EXPLAIN (ANALYZE, BUFFERS). */
async function loginPlan(authDb, size) {
  const rows = await query(authDb, 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM credentials WHERE email = $1', [emailOf(randomInt(size))]);
  return planOf(rows[0]['QUERY PLAN'][0]);
}

/** Runs each named measurement `REPS` times, interleaved; keeps every p99 and their median. */
async function repeated(measurements) {
  const runs = Object.fromEntries(Object.keys(measurements).map((name) => [name, []]));
  // One unrecorded round first: JIT, connection pools and PostgreSQL's cache warm up in it.
  for (const measure of Object.values(measurements)) await measure();
  for (let rep = 0; rep < REPS; rep++) {
    for (const [name, measure] of Object.entries(measurements)) runs[name].push(await measure());
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, list]) => [
      name,
      {
        p99Ms: median(list.map((r) => r.p99Ms)),
        p99: spread(list.map((r) => r.p99Ms)),
        cpuMsPerRequest: median(list.map((r) => r.cpuMsPerRequest)),
        runs: list,
      },
    ]),
  );
}

/** Login p99 with a random seeded account per request (the unique email index, bcrypt, a new session). */
function loginP99({ auth, size }) {
  return closedLoop({
    url: auth.url,
    pid: auth.child.pid,
    count: LATENCY_REQUESTS,
    next: () => ({ method: 'POST', path: '/api/auth/login', body: { email: emailOf(randomInt(size)), password: PASSWORD } }),
  });
}

/** Refresh p99 over seeded sessions picked at random, their cookies minted with auth's session secret. */
async function refreshP99({ auth, tokens, seeded }) {
  const sessions = Array.from({ length: REFRESH_CLIENTS }, () => {
    let k;
    // A session refreshed at a smaller size has moved on from generation 0: presenting 0 again is reuse.
    do k = randomInt(seeded.ids.length);
    while (seeded.refreshed.has(k));
    seeded.refreshed.add(k);
    const claims = { userId: seeded.ids[k], sessionId: seeded.sessionIds[k], generation: 0 };
    return { refresh_token: tokens.refreshToken(claims), csrf_token: tokens.csrfToken(claims.sessionId) };
  });
  const { windows, errors } = await refreshWindows({
    auth,
    email: emailOf(0),
    password: PASSWORD,
    clients: REFRESH_CLIENTS,
    sessions,
    warmupMs: 1000,
    windowMs: 4000,
    reps: 1,
  });
  return { ...windows[0], cpuMsPerRequest: windows[0].cpuMsPerRefresh, errors };
}

/** Redis: used_memory growth per seeded session, and MEMORY USAGE of sampled session hashes. */
async function redisBytes({ redis, prefix, seeded, usedBefore }) {
  const usedAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);
  const sample = Array.from({ length: 200 }, () => seeded.ids[randomInt(seeded.ids.length)]);
  let bytes = 0;
  for (const id of sample) bytes += Number(await redis.call('MEMORY', 'USAGE', `${prefix}${redisKeys.sessions(id)}`, 'SAMPLES', '0'));
  const encoding = await redis.call('OBJECT', 'ENCODING', `${prefix}${redisKeys.sessions(sample[0])}`);
  return { perSessionUsedMemory: (usedAfter - usedBefore) / seeded.ids.length, perSessionMemoryUsage: bytes / sample.length, encoding };
}

async function pgBytes({ authDb, userDb }) {
  const size = async (url, table) =>
    (await query(url, `SELECT pg_total_relation_size($1::regclass)::bigint AS bytes, (SELECT count(*) FROM ${table})::bigint AS n`, [table]))[0];
  const [credentials, profiles] = await Promise.all([size(authDb, 'credentials'), size(userDb, 'profiles')]);
  return {
    credentialsPerUser: Number(credentials.bytes) / Number(credentials.n),
    profilesPerUser: Number(profiles.bytes) / Number(profiles.n),
    perUser: Number(credentials.bytes) / Number(credentials.n) + Number(profiles.bytes) / Number(profiles.n),
  };
}

function denyList(sizes) {
  const out = execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'lib', 'deny-list-micro.js'), ...sizes.map(String)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

/** d log(cost) / d log(size) between the smallest and largest size: 0 is flat, 1 linear. */
const exponent = (points) => Math.log(points.at(-1)[1] / points[0][1]) / Math.log(points.at(-1)[0] / points[0][0]);

function report({ sizes, results, deny, machine, seedSeconds, wallSeconds }) {
  const metrics = [
    ['admin list p99, first page (ms)', (r) => r.admin.first.p99Ms, 'flat', (r) => r.admin.first.p99],
    ['admin list p99, middle page (ms)', (r) => r.admin.middle.p99Ms, 'flat', (r) => r.admin.middle.p99],
    ['admin list p99, last page (ms)', (r) => r.admin.last.p99Ms, 'flat', (r) => r.admin.last.p99],
    ['login p99 (ms)', (r) => r.login.p99Ms, 'flat', (r) => r.login.p99],
    ['refresh p99 (ms)', (r) => r.refresh.p99Ms, 'flat', (r) => r.refresh.p99],
    ['user CPU ms per admin list request, middle page', (r) => r.admin.middle.cpuMsPerRequest, 'flat'],
    ['auth CPU ms per login', (r) => r.login.cpuMsPerRequest, 'flat'],
    ['auth CPU ms per refresh', (r) => r.refresh.cpuMsPerRequest, 'flat'],
    ['PostgreSQL buffers per page query, first page', (r) => r.plans.first.buffers, 'flat'],
    ['PostgreSQL buffers per page query, middle page', (r) => r.plans.middle.buffers, 'flat'],
    ['PostgreSQL buffers per page query, last page', (r) => r.plans.last.buffers, 'flat'],
    ['PostgreSQL buffers per login lookup (unique email)', (r) => r.plans.login.buffers, 'flat'],
    ['Redis bytes per session (MEMORY USAGE, sampled)', (r) => r.redis.perSessionMemoryUsage, '≤ 400 B'],
    ['Redis bytes per session (used_memory growth)', (r) => r.redis.perSessionUsedMemory, '≤ 400 B'],
    ['PostgreSQL bytes per user (credentials + profiles)', (r) => r.pg.perUser, 'flat'],
  ];
  const cols = sizes.map((s) => s.toLocaleString('en-US'));
  const fmt = (v) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const lines = [
    '## Scale: costs against the number of users',
    '',
    `Date: ${new Date().toISOString()}  `,
    `Machine: nproc=${machine.nproc}, CPU: ${machine.cpuModel}, Node ${machine.node}  `,
    `Command: \`npm run bench -- scale ${sizes.join(',')}\` (wall time ${wallSeconds.toFixed(0)} s; seeding ${seedSeconds.map((s) => `${s.toFixed(0)} s`).join(' + ')})`,
    '',
    `One session per user, created by auth's own session store; users by COPY into auth's credentials and the user service's profiles. p99 of ${LATENCY_REQUESTS} requests, 4 in flight (refresh: ${REFRESH_CLIENTS} chained clients on random seeded sessions, 4 s), median of ${REPS} interleaved repetitions after an unrecorded one (each repetition's p99 is in the JSON). CPU ms per request is the serving process's own (/proc), less sensitive to the shared machine than p99; PostgreSQL buffers are those of the store's query under EXPLAIN (ANALYZE, BUFFERS). Login runs at BCRYPT_COST=4 so the lookup, not bcrypt, is what is measured. Slope = d log(cost) / d log(users) from the smallest to the largest size: 0 is flat, 1 is linear. The machine is shared, so a p99 moves by ±50 % between runs; a slope under 0.15 is within that noise.`,
    '',
    `| cost | ${cols.join(' | ')} | slope | target |`,
    `|---|${cols.map(() => '---:').join('|')}|---:|---|`,
  ];
  for (const [name, pick, target, spreadOf] of metrics) {
    const points = results.map((r) => [r.size, pick(r)]);
    const cell = (r) => (spreadOf ? `${fmt(pick(r))} (${fmt(spreadOf(r).min)}–${fmt(spreadOf(r).max)})` : fmt(pick(r)));
    lines.push(`| ${name} | ${results.map(cell).join(' | ')} | ${exponent(points).toFixed(2)} | ${target} |`);
  }
  const denyPoints = deny.map((d) => [d.revoked, d.bytesPerEntry]);
  lines.push(
    '',
    `Gateway deny list (gateway/dist/revocation/deny-list.js, in process, ids as JSON.parse hands them over):`,
    '',
    `| revoked sessions | ${deny.map((d) => d.revoked.toLocaleString('en-US')).join(' | ')} | slope |`,
    `|---|${deny.map(() => '---:').join('|')}|---:|`,
    `| heap (MB) | ${deny.map((d) => (d.heapBytes / 2 ** 20).toFixed(1)).join(' | ')} | ${exponent(deny.map((d) => [d.revoked, d.heapBytes])).toFixed(2)} |`,
    `| bytes per entry | ${deny.map((d) => d.bytesPerEntry.toFixed(0)).join(' | ')} | ${exponent(denyPoints).toFixed(2)} |`,
    `| lookup, revoked session (ns, CPU) | ${deny.map((d) => d.hitNs.toFixed(0)).join(' | ')} | ${exponent(deny.map((d) => [d.revoked, d.hitNs])).toFixed(2)} |`,
    `| lookup, live session (ns, CPU) | ${deny.map((d) => d.missNs.toFixed(0)).join(' | ')} | ${exponent(deny.map((d) => [d.revoked, d.missNs])).toFixed(2)} |`,
    `| prune pass, nothing expired (ms, blocks the loop) | ${deny.map((d) => d.pruneMs.toFixed(1)).join(' | ')} | ${exponent(deny.map((d) => [d.revoked, d.pruneMs])).toFixed(2)} |`,
    `| prune, everything expired: longest slice (ms, blocks the loop) | ${deny.map((d) => (d.expired ? d.expired.maxPauseMs.toFixed(2) : 'n/a')).join(' | ')} | ${deny.every((d) => d.expired) ? exponent(deny.map((d) => [d.revoked, d.expired.maxPauseMs])).toFixed(2) : '—'} |`,
    `| prune, everything expired: slices / total (ms) | ${deny.map((d) => (d.expired ? `${d.expired.calls} / ${d.expired.totalMs.toFixed(0)}` : 'n/a')).join(' | ')} | — |`,
    '',
    `Redis encoding of a session hash: \`${results[0].redis.encoding}\`. Admin list pages: ${PAGE} rows; page queries run as ${[...new Set(results.flatMap((r) => [r.plans.first.scan, r.plans.middle.scan, r.plans.last.scan]))].join(', ')}, the login lookup as ${results[0].plans.login.scan}.`,
  );
  return lines.join('\n');
}

async function main(args) {
  const sizes = (args.find((a) => /^\d/.test(a)) ?? DEFAULT_SIZES.join(','))
    .split(',')
    .map(Number)
    .sort((a, b) => a - b);
  const started = Date.now();
  const machine = { nproc: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const tag = `gh_bench_scale_${process.pid}`;
  const dbs = { auth: `${tag}_auth`, user: `${tag}_user` };
  const authDb = `${PG}/${dbs.auth}`;
  const userDb = `${PG}/${dbs.user}`;
  const prefix = `${tag}:`;
  const logDir = path.join(__dirname, 'results', `logs-scale-${stamp}`);
  mkdirSync(logDir, { recursive: true });
  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-scale-keys-'));
  const sessionSecret = randomBytes(32).toString('base64url');
  const admin = { email: `scale-admin-${process.pid}@example.com`, password: `Scale-admin-${stamp}` };
  const events = { EVENTS_EXCHANGE: `${tag}.events`, EVENTS_QUEUE_PREFIX: tag };
  const redis = new Redis(REDIS_URL);
  const running = [];
  const results = [];
  const seedSeconds = [];
  try {
    await dropDatabases(`${PG}/postgres`, Object.values(dbs));
    const auth = await startService({
      name: 'auth',
      entry: 'services/auth/dist/main.js',
      env: authEnv({
        database: dbs.auth,
        prefix,
        keysDir,
        sessionSecret,
        extra: { ...events, BOOTSTRAP_ADMIN_EMAIL: admin.email, BOOTSTRAP_ADMIN_PASSWORD: admin.password, LOG_LEVEL: 'warn' },
      }),
      logDir,
    });
    running.push(auth);
    const user = await startService({
      name: 'user',
      entry: 'services/user/dist/main.js',
      env: { NODE_ENV: 'development', DATABASE_URL: userDb, JWKS_URL: `${auth.url}/.well-known/jwks.json`, LOG_LEVEL: 'warn', ...events },
      logDir,
    });
    running.push(user);
    // A real password hash (prehash + bcrypt at the service's cost), given to every seeded user.
    await post(`${auth.url}/api/auth/register`, { email: 'scale-template@example.com', password: PASSWORD }, 201);
    const passwordHash = (await query(authDb, `SELECT password_hash FROM credentials WHERE email = 'scale-template@example.com'`))[0].password_hash;
    const adminToken = (await (await post(`${auth.url}/api/auth/login`, admin, 200)).json()).accessToken;
    const tokens = createSessionTokens(sessionSecret);
    const baseMs = Date.now() - 30 * 86_400_000;
    const seeded = { ids: [], sessionIds: [], refreshed: new Set() };
    for (const size of sizes) {
      const from = seeded.ids.length;
      const t0 = Date.now();
      log(`seeding users ${from.toLocaleString('en-US')} → ${size.toLocaleString('en-US')} (COPY)`);
      const ids = newIds(from, size);
      await seedUsers({ authDb, userDb, ids, from, passwordHash, baseMs });
      // Settle what a COPY leaves behind (hint bits, visibility map, statistics), or the first
      // reads and autovacuum would land inside the measurements.
      await Promise.all([query(authDb, 'VACUUM (ANALYZE) credentials'), query(userDb, 'VACUUM (ANALYZE) profiles')]);
      log(`seeding ${ids.length.toLocaleString('en-US')} sessions through the session store (pipelined)`);
      const usedBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);
      const sessionIds = await seedSessions({ redisUrl: REDIS_URL, prefix, ids, from });
      seeded.ids = seeded.ids.concat(ids);
      seeded.sessionIds = seeded.sessionIds.concat(sessionIds);
      seedSeconds.push((Date.now() - t0) / 1000);
      const added = { ids, sessionIds };
      const redisResult = await redisBytes({ redis, prefix, seeded: added, usedBefore });
      log(`measuring at ${size.toLocaleString('en-US')} users`);
      const pages = await adminListP99({ user, userDb, adminToken });
      const latency = await repeated({ ...pages.measurements, login: () => loginP99({ auth, size }), refresh: () => refreshP99({ auth, tokens, seeded }) });
      const result = {
        size,
        redis: redisResult,
        pg: await pgBytes({ authDb, userDb }),
        admin: { first: latency.first, middle: latency.middle, last: latency.last },
        plans: { ...pages.plans, login: await loginPlan(authDb, size) },
        login: latency.login,
        refresh: latency.refresh,
      };
      log(
        `${size}: admin p99 ${result.admin.first.p99Ms.toFixed(1)}/${result.admin.middle.p99Ms.toFixed(1)}/${result.admin.last.p99Ms.toFixed(1)} ms, ` +
          `login p99 ${result.login.p99Ms.toFixed(1)} ms, refresh p99 ${result.refresh.p99Ms.toFixed(1)} ms, ` +
          `Redis ${result.redis.perSessionMemoryUsage.toFixed(0)} B/session, PG ${result.pg.perUser.toFixed(0)} B/user`,
      );
      results.push(result);
    }
  } finally {
    log('cleaning up');
    for (const s of running) await stopService(s);
    await dropDatabases(`${PG}/postgres`, Object.values(dbs)).catch((e) => log(`drop databases failed: ${e.message}`));
    await deleteKeys(REDIS_URL, prefix).catch((e) => log(`redis cleanup failed: ${e.message}`));
    redis.disconnect();
    rmSync(keysDir, { recursive: true, force: true });
  }
  log('deny list in process');
  const deny = denyList(sizes.map((s) => Math.min(s, 1_000_000)));
  const wallSeconds = (Date.now() - started) / 1000;
  const markdown = report({ sizes, results, deny, machine, seedSeconds, wallSeconds });
  const jsonFile = path.join(__dirname, 'results', `scale-${stamp}.json`);
  writeFileSync(jsonFile, `${JSON.stringify({ date: new Date().toISOString(), machine, sizes, results, deny, seedSeconds, wallSeconds }, null, 2)}\n`);
  writeSection('scale', markdown);
  process.stdout.write(`\n${markdown}\n\nraw results: ${path.relative(process.cwd(), jsonFile)}; section "scale" of bench/RESULTS.md\n`);
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`scale bench failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
