/**
 * The measured scenarios. Each takes already-running services, warms up, runs 3 interleaved
 * repetitions and returns raw per-repetition figures; run.js turns them into table rows.
 */
/* global fetch -- Node 20 built-in (undici) */
const path = require('node:path');
const { autocannon, runChild, scrape, median } = require('./load');
const { commandStats, diffStats, monitorClientCommands } = require('./infra');
const { createWrk } = require('./wrk');
const { cpuSeconds } = require('./proc');

const REPS = 3;

/**
 * Warms each target up for 2 s, then runs `repetitions` rounds of every target in turn, so drift
 * on the machine spreads over all of them: one `{ [target]: figures }` per round.
 */
async function interleaved(targets, repetitions, seconds) {
  for (const fn of Object.values(targets)) await fn(2);
  const reps = [];
  for (let i = 0; i < repetitions; i++) {
    const rep = {};
    for (const [name, fn] of Object.entries(targets)) rep[name] = await fn(seconds);
    reps.push(rep);
  }
  return reps;
}

/** Runs `fn` and adds, per named process, the CPU milliseconds it spent per successful response. */
async function withCpu(processes, fn) {
  const before = Object.fromEntries(Object.entries(processes).map(([k, s]) => [k, cpuSeconds(s.child.pid)]));
  const result = await fn();
  const served = result.okPerSec * result.seconds;
  result.cpuMsPerRequest = Object.fromEntries(Object.entries(processes).map(([k, s]) => [k, ((cpuSeconds(s.child.pid) - before[k]) * 1000) / served]));
  return result;
}
const RSS = 'process_resident_memory_bytes';
const LAG_P99 = 'nodejs_eventloop_lag_p99_seconds';

async function rssMb(services) {
  const out = {};
  for (const s of services) out[s.name] = (await scrape(s.managementUrl, [RSS]))[RSS] / 2 ** 20;
  return out;
}

/**
 * P1's verdict is a ratio of CPU-bound runs on cores that other processes may want too: five
 * interleaved repetitions give its median a chance against a busy neighbour.
 */
const PROXY_REPS = 5;

/**
 * P1/P2: GET /api/user/profile direct on user vs through gateways in each verify mode, and
 * through nginx (`proxy_pass`, keep-alive) as the reference, when the bench could start it.
 * Load comes from wrk (-t1, C) when installed, else from autocannon, which is a Node process
 * taking the very CPU being measured; the result says which.
 */
async function proxyScenario({ user, gateways, token, nginx, traced, seconds = 5, connections = 32, reps: repetitions = PROXY_REPS }) {
  const headers = { authorization: `Bearer ${token}` };
  const wrk = createWrk();
  const run = (url, s, c = connections) =>
    wrk
      ? wrk.run({ url: `${url}/api/user/profile`, headers, connections: c, seconds: s, threads: 1 })
      : autocannon({ url: `${url}/api/user/profile`, headers, connections: c, seconds: s });
  const via = (gateway) => (s) => withCpu({ gateway, user }, () => run(gateway.url, s));
  const targets = {
    direct: (s) => withCpu({ user }, () => run(user.url, s)),
    cached: via(gateways.cached),
    uncached: via(gateways.uncached),
    off: via(gateways.off),
    twoGateways: (s) =>
      withCpu({ gateway: gateways.cached, gateway2: gateways.cached2, user }, async () => {
        const [a, b] = await Promise.all([run(gateways.cached.url, s, connections / 2), run(gateways.cached2.url, s, connections / 2)]);
        return {
          okPerSec: a.okPerSec + b.okPerSec,
          seconds: a.seconds,
          non2xx: a.non2xx + b.non2xx,
          errors: a.errors + b.errors,
          latencyP99Ms: Math.max(a.latencyP99Ms, b.latencyP99Ms),
        };
      }),
  };
  // P1t: a gateway (cached) and a user of their own with tracing on; `cached` is the same pair with it off.
  if (traced) targets.traced = (s) => withCpu({ gateway: traced.gateway, user: traced.user }, () => run(traced.gateway.url, s));
  if (nginx?.url) targets.nginx = (s) => withCpu({ nginx: { child: { pid: nginx.cpuPid } }, user }, () => run(nginx.url, s));
  try {
    const reps = await interleaved(targets, repetitions, seconds);
    return { loadGenerator: wrk ? 'wrk' : 'autocannon', connections, nginxSkipped: nginx?.skipped, reps };
  } finally {
    wrk?.close();
  }
}

/** P3/P4: login storm at the configured cost vs the bcrypt bound, with a /healthz probe alongside. */
// 2 × nproc connections keep every bcrypt thread busy with one login queued behind it.
async function loginScenario({ auth, users, nproc, cost, seconds = 6, connections = 2 * nproc }) {
  const login = (u, s) =>
    autocannon({
      url: `${auth.url}/api/auth/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(u),
      connections,
      seconds: s,
    });
  const bound = async () =>
    JSON.parse(await runChild([path.join(__dirname, 'bcrypt-bound.js'), String(cost), String(seconds * 1000)], { env: { UV_THREADPOOL_SIZE: String(nproc) } }));
  await login(users[0], 2);
  const reps = [];
  for (let i = 0; i < REPS; i++) {
    const boundResult = await bound();
    const idle = await scrape(auth.managementUrl, [LAG_P99]); // collecting also resets the loop-delay histogram
    const [storm, probe] = await Promise.all([
      login(users[i % users.length], seconds),
      autocannon({ url: `${auth.managementUrl}/healthz`, connections: 1, rate: 20, seconds }),
    ]);
    const lag = await scrape(auth.managementUrl, [LAG_P99]);
    reps.push({ boundPerSec: boundResult.comparesPerSec, storm, probe, loopLagP99Ms: lag[LAG_P99] * 1000, idleLoopLagP99Ms: idle[LAG_P99] * 1000 });
  }
  return reps;
}

/** P5: chained refresh rotations from a child with many virtual clients, and Redis commands per refresh. */
async function refreshScenario({ auth, redis, redisUrl, prefix, user, clients = 200, windowMs = 5000 }) {
  const base = { authUrl: auth.url, email: user.email, password: user.password };
  const child = path.join(__dirname, 'refresh-clients.js');
  const throughput = JSON.parse(
    await runChild([child], { env: { BENCH_REFRESH: JSON.stringify({ ...base, clients, mode: 'throughput', warmupMs: 2000, windowMs, reps: REPS }) } }),
  );

  const batch = { clients: 50, perClient: 4 };
  let before;
  let monitor;
  let done;
  await runChild([child], {
    env: { BENCH_REFRESH: JSON.stringify({ ...base, ...batch, mode: 'count' }) },
    onLine: (line, proc) => {
      const msg = JSON.parse(line);
      if (msg.ready) {
        (async () => {
          monitor = await monitorClientCommands(redisUrl, prefix);
          before = await commandStats(redis);
          proc.stdin.write('GO\n');
        })();
      } else done = msg;
    },
  });
  const after = await commandStats(redis);
  const monitored = await monitor.stop();
  const diff = diffStats(before, after);
  for (const own of ['info', 'monitor']) delete diff[own];
  const total = Object.values(diff).reduce((a, b) => a + b, 0);
  const clientCalls = Object.values(monitored.fromClients).reduce((a, b) => a + b, 0);
  return { throughput, count: { ...done, commandstatsDiff: diff, commandstatsTotal: total, monitored, clientCalls } };
}

/**
 * P8: what one session costs Redis, fresh and after 1 and 100 refreshes (MEMORY USAGE of every
 * key that names the user): at most 400 bytes (issue 14), and reuse detection and the refresh
 * limit must not leave a key behind per refresh. The login sends a browser's User-Agent, as the
 * sessions list keeps it.
 */
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

async function sessionBytesScenario({ auth, redis, prefix, user }) {
  const login = await postJson(`${auth.url}/api/auth/login`, user, { 'user-agent': BROWSER });
  const userId = (await login.json()).user.id;
  let cookies = cookieJar(login);
  const refresh = async () => {
    const res = await postJson(
      `${auth.url}/api/auth/refresh`,
      {},
      { cookie: `refresh_token=${cookies.refresh_token}; csrf_token=${cookies.csrf_token}`, 'x-csrf-token': cookies.csrf_token },
    );
    if (res.status !== 200) throw new Error(`refresh answered ${res.status}`);
    cookies = cookieJar(res);
  };
  const measure = async () => {
    const keys = await redis.keys(`${prefix}*${userId}*`);
    let bytes = 0;
    for (const key of keys) bytes += Number(await redis.call('MEMORY', 'USAGE', key));
    return { keys: keys.length, bytes };
  };
  const fresh = await measure();
  await refresh();
  const afterOne = await measure();
  for (let i = 1; i < 100; i++) await refresh();
  const afterHundred = await measure();
  return { fresh, afterOne, afterHundred };
}

/**
 * P9: client credentials tokens per second (POST /api/auth/token, HTTP Basic) straight to auth
 * and through a gateway, with the CPU each process spends per token.
 */
async function clientCredentialsScenario({ auth, gateway, adminToken, seconds = 5, connections = 32 }) {
  const created = await postJson(
    `${auth.url}/api/admin/clients`,
    { name: 'bench', scopes: ['users:read'], roles: [] },
    { authorization: `Bearer ${adminToken}` },
  );
  if (created.status !== 201) throw new Error(`creating a client answered ${created.status}: ${await created.text()}`);
  const { clientId, clientSecret } = await created.json();
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
  };
  const run = (url, s) => autocannon({ url: `${url}/api/auth/token`, method: 'POST', headers, body: 'grant_type=client_credentials', connections, seconds: s });
  const targets = {
    direct: (s) => withCpu({ auth }, () => run(auth.url, s)),
    gateway: (s) => withCpu({ gateway, auth }, () => run(gateway.url, s)),
  };
  return interleaved(targets, REPS, seconds);
}

function postJson(url, body, headers = {}) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

function cookieJar(response) {
  const jar = {};
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const i = pair.indexOf('=');
    jar[pair.slice(0, i).trim()] = pair.slice(i + 1);
  }
  return jar;
}

module.exports = { REPS, median, rssMb, proxyScenario, loginScenario, refreshScenario, sessionBytesScenario, clientCredentialsScenario };
