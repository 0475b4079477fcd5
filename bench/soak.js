#!/usr/bin/env node
/**
 * `npm run bench -- soak [minutes]` (default 10): mixed load for a long while, and whether
 * anything grows once warmed up. Not part of `npm test`.
 *
 * Starts auth, user and a gateway (built dist) as bench/run.js does, on bench-only databases, a
 * Redis prefix and an exchange of their own, with outbox retention at 60 s so its pruner runs
 * within the soak. Drives login, refresh, profile, admin list and register-then-delete through the
 * gateway at fixed rates (bench/lib/soak-load.js). Every SAMPLE_MS it samples each process's RSS
 * and V8 heap, the outbox and processed_events rows of both databases, and the Redis keys under
 * the prefix. Verdict per series: the Theil–Sen slope over the samples after warm-up (the
 * first 30 %, or longer for a pruned table), projected over that stretch, against a tolerance. Writes
 * bench/results/soak-<stamp>.json and the "soak" section of bench/RESULTS.md.
 *
 * processed_events: the services keep ids at least an hour (PROCESSED_EVENTS_RETENTION_SECONDS
 * has a floor of 3600 and the pruner runs hourly), longer than any soak here. So the bench runs
 * the same pruner (@gatehouse/events createProcessedEventsPruner) against both databases with a
 * 60 s retention every 30 s, to show the table's steady state; the services' own hourly pass
 * reaches the same state at rate × retention rows.
 */
/* global fetch -- Node 20 built-ins */
const os = require('node:os');
const path = require('node:path');
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const { Pool } = require('pg');
const Redis = require('ioredis');
const { startService, stopService, sleep } = require('./lib/processes');
const { dropDatabases, deleteKeys } = require('./lib/infra');
const { PG, REDIS_URL, authEnv } = require('./lib/auth-env');
const { scrape } = require('./lib/load');
const { rssMiB } = require('./lib/proc');
const { robustSlope, slope } = require('./lib/stats');
const { writeSection } = require('./lib/results-section');
const { createProcessedEventsPruner } = require('../libs/events/dist');
const { createLogger } = require('../libs/logger/dist');

const SAMPLE_MS = 10_000;
const WARM_UP_SHARE = 0.3;
const RATES = { profile: 80, refresh: 30, login: 5, adminList: 5, register: 2 };
/**
 * Every TTL-bounded structure must reach its plateau within the soak: verified-token caches and
 * the deny list live as long as an access token, and auth's outbox (also the revocation log
 * gateways replay) must keep rows at least the token TTL + 300 s. With the defaults (900 s) the
 * plateau would come after ~20 minutes, so the soak runs with 60 s tokens.
 */
const ACCESS_TOKEN_TTL_SECONDS = 60;
const AUTH_OUTBOX_RETENTION_SECONDS = ACCESS_TOKEN_TTL_SECONDS + 300;
const USER_OUTBOX_RETENTION_SECONDS = 60;
/** The relays' prune interval (@gatehouse/events createOutboxRelay default). */
const OUTBOX_PRUNE_EVERY_SECONDS = 60;
/** services/auth/src/stores.wiring.ts FENCE_SECONDS: a deleted user's sessions hash keeps its fence this long. */
const REVOKE_FENCE_SECONDS = 600;
const PROCESSED_RETENTION_MS = 60_000;
const PROCESSED_PRUNE_EVERY_MS = 30_000;
const CHAINED_BROWSERS = 20;
const LOGIN_USERS = 50;
/** With 5 logins/s over 50 accounts, each account reaches this cap within the warm-up. */
const SESSIONS_PER_USER = 10;
const HEAP = 'nodejs_heap_size_used_bytes';
/** Users' session hashes: `sess:{user}` (redis-keys.ts), and `sessions:{user}` in the layout before it. */
const sessionHashes = (sample) => (sample.redisKinds.sess ?? 0) + (sample.redisKinds.sessions ?? 0);
const log = (msg) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function post(url, body, expected) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== expected) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
  return res;
}

async function countRows(pool) {
  const { rows } = await pool.query(
    `SELECT (SELECT count(*) FROM outbox)::int AS outbox, (SELECT count(*) FROM processed_events)::int AS processed,
            pg_total_relation_size('outbox')::bigint AS outbox_bytes, pg_total_relation_size('processed_events')::bigint AS processed_bytes`,
  );
  return { outbox: rows[0].outbox, processed: rows[0].processed, outboxBytes: Number(rows[0].outbox_bytes), processedBytes: Number(rows[0].processed_bytes) };
}

/** Keys under the prefix, in total and by kind (the name's first segment, services/auth/src/store/redis-keys.ts). */
async function redisKeys(redis, prefix) {
  let cursor = '0';
  let total = 0;
  const kinds = {};
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    total += found.length;
    for (const key of found) {
      const kind = /^[^:{]+(?::[a-z-]+(?=:))?/.exec(key.slice(prefix.length))[0];
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
  } while (cursor !== '0');
  return { total, kinds };
}

/**
 * Slope of the series after warm-up (Theil–Sen, so a stall of a few samples caused by another
 * job on the machine does not decide it), projected over that stretch, against a tolerance:
 * `flat` when the projected growth is within max(absolute, relative × mean). Warm-up is the first
 * WARM_UP_SHARE of the samples, or longer for a series that cannot plateau sooner (a table
 * pruned at retention R every P seconds fills for R + P). Undefined when nothing is left after it.
 */
function verdict(samples, pick, { absolute, relative, warmUpMinutes = 0 }) {
  const from = Math.max(samples[Math.floor(samples.length * WARM_UP_SHARE)].minutes, warmUpMinutes);
  const after = samples.filter((s) => s.minutes >= from);
  if (after.length < 3) return undefined;
  const points = after.map((s) => [s.minutes, pick(s)]);
  const perMinute = robustSlope(points);
  const leastSquaresPerMinute = slope(points);
  const span = after.at(-1).minutes - after[0].minutes;
  const values = points.map(([, v]) => v);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const projected = perMinute * span;
  const tolerance = Math.max(absolute, relative * mean);
  // A fall is no leak: only growth past the tolerance fails.
  return {
    from,
    first: values[0],
    last: values.at(-1),
    min: Math.min(...values),
    max: Math.max(...values),
    mean,
    perMinute,
    leastSquaresPerMinute,
    projected,
    tolerance,
    flat: projected <= tolerance,
    falls: projected < -tolerance,
  };
}

function report({ minutes, samples, loadPeriods, verdicts, notJudged, machine, wallSeconds, shortRun }) {
  const n1 = (x) => x.toFixed(1);
  const totals = {};
  for (const p of loadPeriods) {
    for (const [name, op] of Object.entries(p.ops)) {
      const t = (totals[name] ??= { ok: 0, failed: 0, skipped: 0, p99s: [], statuses: {} });
      t.ok += op.ok;
      t.failed += op.failed;
      t.skipped += op.skipped;
      if (op.p99Ms !== null) t.p99s.push(op.p99Ms);
      for (const [s, c] of Object.entries(op.statuses)) t.statuses[s] = (t.statuses[s] ?? 0) + c;
    }
  }
  const seconds = (loadPeriods.at(-1).t - loadPeriods[0].t) / 1000 + SAMPLE_MS / 1000;
  const lines = [
    `## Soak: ${minutes} minutes of mixed load${shortRun ? ' (SHORT RUN, not the 10-minute soak)' : ''}`,
    '',
    `Date: ${new Date().toISOString()}  `,
    `Machine: nproc=${machine.nproc}, CPU: ${machine.cpuModel}, Node ${machine.node}  `,
    `Command: \`npm run bench -- soak ${minutes}\` (wall time ${wallSeconds.toFixed(0)} s)`,
    '',
    `Through one gateway, open loop: ${Object.entries(RATES)
      .map(([k, v]) => `${k} ${v}/s`)
      .join(
        ', ',
      )} (each registered account deleted by the admin 3 s later). Samples every ${SAMPLE_MS / 1000} s; warm-up = first ${WARM_UP_SHARE * 100} % of samples, or until a pruned table can have filled (retention + prune interval); verdict from the Theil–Sen slope of the rest (median of pairwise slopes: a few samples caught in a stall caused by another job do not decide it; the least-squares slope is in the JSON), projected over that stretch. ACCESS_TOKEN_TTL_SECONDS=${ACCESS_TOKEN_TTL_SECONDS} for all three processes, so verified-token caches, the deny list and auth's outbox (kept ≥ TTL + 300 s as the revocation log) plateau within the run. Outbox retention: auth ${AUTH_OUTBOX_RETENTION_SECONDS} s, user ${USER_OUTBOX_RETENTION_SECONDS} s, pruned by the services' own relays every ${OUTBOX_PRUNE_EVERY_SECONDS} s. processed_events: pruned by the bench with @gatehouse/events' pruner at ${PROCESSED_RETENTION_MS / 1000} s retention every ${PROCESSED_PRUNE_EVERY_MS / 1000} s (the services keep ids ≥ 1 h and prune hourly, longer than the soak). Redis sessions hashes of deleted users keep their revoke-all fence ${REVOKE_FENCE_SECONDS} s, so that series can plateau only after ${REVOKE_FENCE_SECONDS / 60} minutes.`,
    '',
    '| series | judged from minute | then: first → last | min–max | slope /min | projected over the stretch | tolerance | verdict |',
    '|---|---:|---|---|---:|---:|---:|---|',
  ];
  for (const [name, v] of Object.entries(verdicts)) {
    const unit = name.includes('MB') ? ' MB' : '';
    lines.push(
      `| ${name} | ${n1(v.from)} | ${n1(v.first)} → ${n1(v.last)}${unit} | ${n1(v.min)}–${n1(v.max)} | ${v.perMinute >= 0 ? '+' : ''}${v.perMinute.toFixed(2)} | ${v.projected >= 0 ? '+' : ''}${n1(v.projected)} | ±${n1(v.tolerance)} | ${v.flat ? (v.falls ? 'falls' : 'flat') : 'GROWS'} |`,
    );
  }
  lines.push('', '| operation | answered | per second | failed | skipped (50 in flight) | p99 per period, median (max) |', '|---|---:|---:|---:|---:|---|');
  for (const [name, t] of Object.entries(totals)) {
    const sorted = [...t.p99s].sort((a, b) => a - b);
    const statuses = Object.keys(t.statuses).length ? ` ${JSON.stringify(t.statuses)}` : '';
    lines.push(
      `| ${name} | ${t.ok.toLocaleString('en-US')} | ${n1(t.ok / seconds)} | ${t.failed}${statuses} | ${t.skipped} | ${n1(sorted[Math.floor(sorted.length / 2)] ?? NaN)} ms (${n1(sorted.at(-1) ?? NaN)} ms) |`,
    );
  }
  const perMinute = samples.filter((_, i) => i % Math.max(1, Math.round(60_000 / SAMPLE_MS)) === 0);
  lines.push('', `RSS per minute (MB): ${['auth', 'user', 'gateway'].map((p) => `${p} ${perMinute.map((s) => s.rss[p].toFixed(0)).join(' ')}`).join('; ')}.`);
  lines.push(
    `V8 heap used per minute (MB): ${['auth', 'user', 'gateway'].map((p) => `${p} ${perMinute.map((s) => s.heap[p].toFixed(0)).join(' ')}`).join('; ')}.`,
  );
  const kinds = [...new Set(perMinute.flatMap((s) => Object.keys(s.redisKinds)))].sort();
  lines.push(`Redis keys per minute by kind: ${kinds.map((k) => `${k} ${perMinute.map((s) => s.redisKinds[k] ?? 0).join(' ')}`).join('; ')}.`);
  lines.push(
    `Outbox rows per minute (auth/user): ${perMinute.map((s) => `${s.auth.outbox}/${s.user.outbox}`).join(' ')}; processed_events: ${perMinute.map((s) => `${s.auth.processed}/${s.user.processed}`).join(' ')}.`,
  );
  if (notJudged.length > 0)
    lines.push(`Not judged (the run ends before they can plateau): ${notJudged.join(', ')}; their samples are in the series above and the JSON.`);
  const allFlat = Object.values(verdicts).every((v) => v.flat);
  lines.push(
    '',
    `Verdict: ${
      allFlat
        ? 'no growth after warm-up'
        : `growth after warm-up in: ${Object.entries(verdicts)
            .filter(([, v]) => !v.flat)
            .map(([k]) => k)
            .join(', ')}`
    }.`,
  );
  return { markdown: lines.join('\n'), totals, allFlat };
}

async function main(args) {
  const minutes = Number(args.find((a) => /^\d+(\.\d+)?$/.test(a)) ?? 10);
  const started = Date.now();
  const machine = { nproc: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const tag = `gh_bench_soak_${process.pid}`;
  const dbs = { auth: `${tag}_auth`, user: `${tag}_user` };
  const prefix = `${tag}:`;
  const logDir = path.join(__dirname, 'results', `logs-soak-${stamp}`);
  mkdirSync(logDir, { recursive: true });
  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-soak-keys-'));
  const admin = { email: `soak-admin-${process.pid}@example.com`, password: `Soak-admin-${stamp}` };
  const events = { EVENTS_EXCHANGE: `${tag}.events`, EVENTS_QUEUE_PREFIX: tag, ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS) };
  const redis = new Redis(REDIS_URL);
  const running = [];
  const pools = [];
  const pruners = [];
  const samples = [];
  const loadPeriods = [];
  let load;
  try {
    await dropDatabases(`${PG}/postgres`, Object.values(dbs));
    const start = async (opts) => {
      const s = await startService({ ...opts, logDir });
      running.push(s);
      return s;
    };
    const auth = await start({
      name: 'auth',
      entry: 'services/auth/dist/main.js',
      env: authEnv({
        database: dbs.auth,
        prefix,
        keysDir,
        sessionSecret: randomBytes(32).toString('base64url'),
        extra: {
          ...events,
          OUTBOX_RETENTION_SECONDS: String(AUTH_OUTBOX_RETENTION_SECONDS),
          SESSIONS_PER_USER_LIMIT: String(SESSIONS_PER_USER),
          BOOTSTRAP_ADMIN_EMAIL: admin.email,
          BOOTSTRAP_ADMIN_PASSWORD: admin.password,
        },
      }),
    });
    const jwks = `${auth.url}/.well-known/jwks.json`;
    const user = await start({
      name: 'user',
      entry: 'services/user/dist/main.js',
      env: {
        NODE_ENV: 'development',
        DATABASE_URL: `${PG}/${dbs.user}`,
        JWKS_URL: jwks,
        OUTBOX_RETENTION_SECONDS: String(USER_OUTBOX_RETENTION_SECONDS),
        ...events,
      },
    });
    const gateway = await start({
      name: 'gateway',
      entry: 'gateway/dist/main.js',
      env: { NODE_ENV: 'development', AUTH_SERVICE_URL: auth.url, USER_SERVICE_URL: user.url, JWKS_URL: jwks, JWT_VERIFY_MODE: 'cached', ...events },
    });
    const processes = { auth, user, gateway };
    const account = (kind, i) => ({ email: `soak-${kind}-${i}-${process.pid}@example.com`, password: `Soak-${kind}-${i}-${stamp}` });
    const chained = Array.from({ length: CHAINED_BROWSERS }, (_, i) => account('browser', i));
    const loginUsers = Array.from({ length: LOGIN_USERS }, (_, i) => account('login', i));
    for (const a of [...chained, ...loginUsers]) await post(`${auth.url}/api/auth/register`, a, 201);

    const logger = createLogger({ service: 'soak-bench', level: 'warn' });
    for (const db of Object.values(dbs)) {
      const pool = new Pool({ connectionString: `${PG}/${db}`, max: 2 });
      pools.push(pool);
      const pruner = createProcessedEventsPruner({ pool, logger, retentionMs: PROCESSED_RETENTION_MS, intervalMs: PROCESSED_PRUNE_EVERY_MS });
      pruner.start();
      pruners.push(pruner);
    }

    log(`mixed load for ${minutes} min, sampling every ${SAMPLE_MS / 1000} s`);
    const { spawn } = require('node:child_process');
    load = spawn(process.execPath, [path.join(__dirname, 'lib', 'soak-load.js')], {
      env: {
        ...process.env,
        BENCH_SOAK: JSON.stringify({
          gatewayUrl: gateway.url,
          admin,
          chained,
          loginUsers,
          rates: RATES,
          reportMs: SAMPLE_MS,
          adminReloginMs: (ACCESS_TOKEN_TTL_SECONDS * 1000) / 2,
        }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let loadError = '';
    load.stderr.on('data', (d) => (loadError += d));
    let pending = '';
    let ready;
    const readyPromise = new Promise((resolve) => (ready = resolve));
    load.stdout.on('data', (d) => {
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        const msg = JSON.parse(line);
        if (msg.ready) ready();
        else loadPeriods.push(msg);
      }
    });
    const exited = new Promise((resolve) => load.once('exit', resolve));
    await Promise.race([readyPromise, exited.then(() => Promise.reject(new Error(`soak load exited: ${loadError.slice(-2000)}`)))]);

    const t0 = Date.now();
    const end = t0 + minutes * 60_000;
    while (Date.now() < end) {
      await sleep(Math.min(SAMPLE_MS, end - Date.now()));
      if (load.exitCode !== null) throw new Error(`soak load exited ${load.exitCode}: ${loadError.slice(-2000)}`);
      const rss = Object.fromEntries(Object.entries(processes).map(([k, s]) => [k, rssMiB(s.child.pid)]));
      const heap = {};
      for (const [k, s] of Object.entries(processes)) heap[k] = ((await scrape(s.managementUrl, [HEAP]))[HEAP] ?? NaN) / 2 ** 20;
      const [authRows, userRows] = await Promise.all(pools.map(countRows));
      const keys = await redisKeys(redis, prefix);
      const sample = { minutes: (Date.now() - t0) / 60_000, rss, heap, auth: authRows, user: userRows, redisKeys: keys.total, redisKinds: keys.kinds };
      samples.push(sample);
      log(
        `${sample.minutes.toFixed(1)} min: RSS auth ${rss.auth.toFixed(0)} user ${rss.user.toFixed(0)} gateway ${rss.gateway.toFixed(0)} MB; ` +
          `outbox ${authRows.outbox}/${userRows.outbox}, processed ${authRows.processed}/${userRows.processed}, redis keys ${sample.redisKeys}`,
      );
    }
    load.kill('SIGTERM');
    await exited;
  } finally {
    log('cleaning up');
    if (load && load.exitCode === null) load.kill('SIGKILL');
    for (const p of pruners) await p.stop();
    for (const p of pools) await p.end();
    for (const s of running) await stopService(s);
    await dropDatabases(`${PG}/postgres`, Object.values(dbs)).catch((e) => log(`drop databases failed: ${e.message}`));
    await deleteKeys(REDIS_URL, prefix).catch((e) => log(`redis cleanup failed: ${e.message}`));
    redis.disconnect();
    rmSync(keysDir, { recursive: true, force: true });
  }

  const mb = { absolute: 8, relative: 0.05 };
  const verdicts = {};
  for (const p of ['auth', 'user', 'gateway']) verdicts[`${p} RSS (MB)`] = verdict(samples, (s) => s.rss[p], mb);
  // heapUsed sampled at a random point of the GC sawtooth is noise; its floor over the last minute
  // (what survives collection) is what a leak would raise.
  const floor = (p) => (s) => Math.min(...samples.filter((o) => o.minutes > s.minutes - 1 && o.minutes <= s.minutes).map((o) => o.heap[p]));
  for (const p of ['auth', 'user', 'gateway']) verdicts[`${p} V8 heap used, 1-min floor (MB)`] = verdict(samples, floor(p), { absolute: 4, relative: 0.1 });
  const rows = { absolute: 100, relative: 0.25 };
  const filled = (retentionSeconds, everySeconds) => ({ ...rows, warmUpMinutes: (retentionSeconds + everySeconds + SAMPLE_MS / 1000) / 60 });
  verdicts['auth outbox rows'] = verdict(samples, (s) => s.auth.outbox, filled(AUTH_OUTBOX_RETENTION_SECONDS, OUTBOX_PRUNE_EVERY_SECONDS));
  verdicts['user outbox rows'] = verdict(samples, (s) => s.user.outbox, filled(USER_OUTBOX_RETENTION_SECONDS, OUTBOX_PRUNE_EVERY_SECONDS));
  for (const db of ['auth', 'user'])
    verdicts[`${db} processed_events rows`] = verdict(samples, (s) => s[db].processed, filled(PROCESSED_RETENTION_MS / 1000, PROCESSED_PRUNE_EVERY_MS / 1000));
  verdicts['Redis keys but sessions hashes'] = verdict(samples, (s) => s.redisKeys - sessionHashes(s), rows);
  // Live sessions hashes are a fixed set here; the rest are deleted users' revoke-all fences.
  verdicts['Redis sessions hashes'] = verdict(samples, sessionHashes, filled(REVOKE_FENCE_SECONDS, 0));
  const notJudged = Object.keys(verdicts).filter((name) => verdicts[name] === undefined);
  for (const name of notJudged) delete verdicts[name];
  const wallSeconds = (Date.now() - started) / 1000;
  const { markdown, totals, allFlat } = report({ minutes, samples, loadPeriods, verdicts, notJudged, machine, wallSeconds, shortRun: minutes < 10 });
  const jsonFile = path.join(__dirname, 'results', `soak-${stamp}.json`);
  writeFileSync(
    jsonFile,
    `${JSON.stringify({ date: new Date().toISOString(), machine, minutes, rates: RATES, samples, loadPeriods, verdicts, totals, wallSeconds }, null, 2)}\n`,
  );
  writeSection('soak', markdown);
  process.stdout.write(`\n${markdown}\n\nraw results: ${path.relative(process.cwd(), jsonFile)}; section "soak" of bench/RESULTS.md\n`);
  if (!allFlat) process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`soak bench failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
