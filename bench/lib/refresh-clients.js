#!/usr/bin/env node
/**
 * Child process: many virtual browser sessions, each chaining its own cookies
 * (refresh → take the rotated cookies → refresh). Config comes as JSON in BENCH_REFRESH:
 * { authUrl, email, password, clients, mode: 'throughput' | 'count', warmupMs, windowMs, reps, perClient,
 *   marks?, sessions? }.
 * `throughput` prints { windows: [rotations/s…], latency: [{ p50Ms, p99Ms }…], errors }; with
 * `marks` it also prints { mark: 'start' | 'end' } around each window, so the parent can read the
 * CPU auth spent in exactly that window. `sessions` ([{ refresh_token, csrf_token }]) starts the
 * clients from existing sessions instead of logging in (a seeded store). `count` prints READY,
 * waits for GO on stdin, runs clients × perClient refreshes and prints { refreshes, errors }.
 */
const http = require('node:http');
const { URL } = require('node:url');
const { jar } = require('./cookie-jar');

const cfg = JSON.parse(process.env.BENCH_REFRESH);
const target = new URL(cfg.authUrl);
const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.clients });

function post(path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': payload.length, ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, cookies: res.headers['set-cookie'] ?? [] }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function login() {
  const res = await post('/api/auth/login', { email: cfg.email, password: cfg.password });
  if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  return jar(res.cookies);
}

const stats = { ok: 0, errors: 0, statuses: {} };
/** Milliseconds of each successful refresh while a window is open; undefined outside windows. */
let latencies;

async function refreshOnce(session) {
  const t0 = process.hrtime.bigint();
  const res = await post(
    '/api/auth/refresh',
    {},
    { cookie: `refresh_token=${session.refresh_token}; csrf_token=${session.csrf_token}`, 'x-csrf-token': session.csrf_token },
  );
  if (res.status === 200) {
    stats.ok++;
    latencies?.push(Number(process.hrtime.bigint() - t0) / 1e6);
    return jar(res.cookies);
  }
  stats.errors++;
  stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
  return login();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

async function throughput(sessions) {
  let running = true;
  const loops = sessions.map(async (s) => {
    let session = s;
    while (running) session = await refreshOnce(session);
  });
  await sleep(cfg.warmupMs);
  const windows = [];
  const latency = [];
  for (let i = 0; i < cfg.reps; i++) {
    if (cfg.marks) out({ mark: 'start' });
    latencies = [];
    const before = stats.ok;
    const t0 = process.hrtime.bigint();
    await sleep(cfg.windowMs);
    const refreshes = stats.ok - before;
    windows.push(refreshes / (Number(process.hrtime.bigint() - t0) / 1e9));
    if (cfg.marks) out({ mark: 'end', refreshes });
    latency.push({ p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) });
    latencies = undefined;
  }
  running = false;
  await Promise.all(loops);
  out({ windows, latency, errors: stats.errors, statuses: stats.statuses });
}

function percentile(xs, p) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function counted(sessions) {
  out({ ready: true });
  await new Promise((resolve) => process.stdin.once('data', resolve));
  stats.ok = 0;
  await Promise.all(
    sessions.map(async (s) => {
      let session = s;
      for (let i = 0; i < cfg.perClient; i++) session = await refreshOnce(session);
    }),
  );
  out({ refreshes: stats.ok, errors: stats.errors, statuses: stats.statuses });
}

async function main() {
  const sessions = cfg.sessions ? [...cfg.sessions] : [];
  for (let i = sessions.length; i < cfg.clients; i += 16) {
    sessions.push(...(await Promise.all(Array.from({ length: Math.min(16, cfg.clients - i) }, login))));
  }
  await (cfg.mode === 'count' ? counted(sessions) : throughput(sessions));
  agent.destroy();
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
