#!/usr/bin/env node
/**
 * `npm run bench`: boots auth, user and gateways as child processes against bench-only
 * databases and a bench Redis prefix, measures P1–P9 (see bench/lib/scenarios.js), prints the
 * table (P1–P9), writes bench/results/<timestamp>.json and bench/RESULTS.md, and cleans up after itself.
 * Not part of `npm test`. Budget: well under 10 minutes on 2 cores.
 */
// `npm run bench -- scale|soak|algorithms [args]` runs that bench alone instead (bench/lib/dispatch.js).
if (require('./lib/dispatch').dispatched(process.argv)) return;
/* global fetch -- Node 20 built-in (undici) */
const os = require('node:os');
const path = require('node:path');
const { mkdirSync, mkdtempSync, rmSync } = require('node:fs');
const Redis = require('ioredis');
const { startService, stopService } = require('./lib/processes');
const { dropDatabases, deleteKeys } = require('./lib/infra');
const { startNginx } = require('./lib/nginx');
const { startOtlpSink } = require('./lib/otlp-sink');
const { rssMb, proxyScenario, loginScenario, refreshScenario, sessionBytesScenario, clientCredentialsScenario } = require('./lib/scenarios');
const { buildRows, buildNotes } = require('./lib/rows');
const { execFileSync } = require('node:child_process');

/** Runs the P6 bench in its own process and returns its JSON summary line. */
function emailLatency(args) {
  const out = execFileSync(process.execPath, [require('node:path').join(__dirname, 'email-latency.js'), ...args], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}
const { table, writeOutputs } = require('./lib/report');

const { PG, REDIS_URL, authEnv: benchAuthEnv } = require('./lib/auth-env');
const DBS = { auth: 'gh_bench_auth', user: 'gh_bench_user' };
const BCRYPT_COST = 12;
const BENCH_ADMIN = { email: `bench-admin-${process.pid}@example.com`, password: `Bench-admin-pass-${process.pid}-${Date.now()}` };
const log = (msg) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function main() {
  const started = Date.now();
  const nproc = os.availableParallelism();
  const machine = { nproc, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = path.join(__dirname, 'results', `logs-${stamp}`);
  mkdirSync(logDir, { recursive: true });
  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-keys-'));
  const prefix = `gh_bench:${process.pid}:`;
  const redis = new Redis(REDIS_URL);
  const running = new Set();
  const start = async (opts) => {
    const s = await startService({ ...opts, logDir });
    running.add(s);
    return s;
  };
  const stop = async (s) => {
    await stopService(s);
    running.delete(s);
  };
  // P5 logs 200 virtual clients into one account (SESSIONS_PER_USER_LIMIT 1000 in benchAuthEnv);
  // P9 creates its client as the bootstrapped admin.
  const authEnv = (cost) =>
    benchAuthEnv({
      database: DBS.auth,
      prefix,
      keysDir,
      bcryptCost: cost,
      extra: { UV_THREADPOOL_SIZE: String(nproc), BOOTSTRAP_ADMIN_EMAIL: BENCH_ADMIN.email, BOOTSTRAP_ADMIN_PASSWORD: BENCH_ADMIN.password },
    });
  const raw = {};
  try {
    await dropDatabases(`${PG}/postgres`, Object.values(DBS));
    log('starting auth, user and 4 gateways');
    let auth = await start({ name: 'auth', entry: 'services/auth/dist/main.js', env: authEnv(BCRYPT_COST) });
    const jwks = `${auth.url}/.well-known/jwks.json`;
    const user = await start({
      name: 'user',
      entry: 'services/user/dist/main.js',
      env: { NODE_ENV: 'development', DATABASE_URL: `${PG}/${DBS.user}`, JWKS_URL: jwks },
    });
    const gatewayEnv = (mode) => ({ NODE_ENV: 'development', AUTH_SERVICE_URL: auth.url, USER_SERVICE_URL: user.url, JWKS_URL: jwks, JWT_VERIFY_MODE: mode });
    const gateways = {};
    for (const [name, mode] of [
      ['cached', 'cached'],
      ['uncached', 'uncached'],
      ['off', 'off'],
      ['cached2', 'cached'],
    ]) {
      gateways[name] = await start({ name: `gateway-${name}`, entry: 'gateway/dist/main.js', env: gatewayEnv(mode) });
    }

    const users = [0, 1, 2].map((i) => ({ email: `bench-${i}-${process.pid}@example.com`, password: `Bench-pass-${i}-${stamp}` }));
    for (const u of users) await post(`${auth.url}/api/auth/register`, u, 201);
    const token = (await (await post(`${auth.url}/api/auth/login`, users[0], 200)).json()).accessToken;
    for (const url of [user.url, gateways.cached.url, gateways.off.url]) {
      const res = await fetch(`${url}/api/user/profile`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`GET ${url}/api/user/profile answered ${res.status}`);
    }

    // P1t: the same gateway+user pair with tracing on, exporting over OTLP/HTTP (protobuf) to a no-op receiver here.
    const otlp = await startOtlpSink();
    const tracedEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url };
    const tracedUser = await start({
      name: 'user-traced',
      entry: 'services/user/dist/main.js',
      env: { NODE_ENV: 'development', DATABASE_URL: `${PG}/${DBS.user}`, JWKS_URL: jwks, ...tracedEnv },
    });
    const traced = {
      user: tracedUser,
      gateway: await start({
        name: 'gateway-traced',
        entry: 'gateway/dist/main.js',
        env: { ...gatewayEnv('cached'), USER_SERVICE_URL: tracedUser.url, ...tracedEnv },
      }),
    };
    raw.rssIdleMb = await rssMb([auth, user, gateways.cached]);
    const nginx = await startNginx({ upstreamUrl: user.url });
    if (nginx.skipped) log(`P1 reference: ${nginx.skipped}`);
    try {
      log(`P1/P2: profile direct vs gateways, traced pair${nginx.skipped ? '' : ' and nginx'} (${nginx.skipped ? 6 : 7} targets × 5 reps × 5 s)`);
      raw.proxy = await proxyScenario({ user, gateways, token, nginx, traced });
    } finally {
      await nginx.stop?.();
    }
    raw.rssAfterP1Mb = await rssMb([auth, user, gateways.cached]);
    for (const s of [...Object.values(gateways), user, traced.gateway, traced.user]) await stop(s);
    raw.proxy.otlp = otlp.stats();
    await otlp.close();

    log(`P3/P4: login storm at cost ${BCRYPT_COST} vs bcrypt bound (3 reps × 2 × 6 s)`);
    raw.login = await loginScenario({ auth, users, nproc, cost: BCRYPT_COST });
    await stop(auth);

    log('P5: refresh rotations with auth at BCRYPT_COST=4 for setup logins');
    auth = await start({ name: 'auth-refresh', entry: 'services/auth/dist/main.js', env: authEnv(4) });
    const refreshUser = { email: `bench-refresh-${process.pid}@example.com`, password: `Bench-refresh-${stamp}` };
    await post(`${auth.url}/api/auth/register`, refreshUser, 201);
    raw.refresh = await refreshScenario({ auth, redis, redisUrl: REDIS_URL, prefix, user: refreshUser });
    log('P8: Redis bytes of one session after 1 and after 100 refreshes');
    const memoryUser = { email: `bench-memory-${process.pid}@example.com`, password: `Bench-memory-${stamp}` };
    await post(`${auth.url}/api/auth/register`, memoryUser, 201);
    raw.sessionBytes = await sessionBytesScenario({ auth, redis, prefix, user: memoryUser });
    log('P9: client credentials tokens/s, straight to auth and through a gateway (2 targets × 3 reps × 5 s)');
    const tokenGateway = await start({
      name: 'gateway-token',
      entry: 'gateway/dist/main.js',
      env: {
        NODE_ENV: 'development',
        AUTH_SERVICE_URL: auth.url,
        USER_SERVICE_URL: auth.url,
        JWKS_URL: `${auth.url}/.well-known/jwks.json`,
        JWT_VERIFY_MODE: 'cached',
      },
    });
    const adminToken = (await (await post(`${auth.url}/api/auth/login`, BENCH_ADMIN, 200)).json()).accessToken;
    raw.clientCredentials = await clientCredentialsScenario({ auth, gateway: tokenGateway, adminToken });
  } finally {
    log('cleaning up');
    for (const s of running) await stopService(s);
    await dropDatabases(`${PG}/postgres`, Object.values(DBS)).catch((e) => log(`drop databases failed: ${e.message}`));
    raw.redisKeysDeleted = await deleteKeys(REDIS_URL, prefix).catch((e) => log(`redis cleanup failed: ${e.message}`));
    redis.disconnect();
    rmSync(keysDir, { recursive: true, force: true });
  }

  log('P6: registration → email, 200 registrations paced at 20/s, then as a burst (bench/email-latency.js)');
  raw.email = { paced: emailLatency(['200', '20']), burst: emailLatency(['200']) };

  const rows = buildRows(raw);
  const notes = buildNotes(raw);
  const wallSeconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `\nGatehouse bench — nproc=${nproc}, ${machine.cpuModel}, Node ${process.version}\n\n${table(rows)}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\n`,
  );
  const jsonFile = writeOutputs({ benchDir: __dirname, stamp, machine, rows, notes, raw, command: 'npm run bench', wallSeconds });
  process.stdout.write(`raw results: ${path.relative(process.cwd(), jsonFile)}; table also in bench/RESULTS.md; wall ${wallSeconds.toFixed(0)} s\n`);
}

async function post(url, body, expected) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== expected) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
  return res;
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
