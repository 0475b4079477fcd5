#!/usr/bin/env node
/**
 * Child process: the soak's mixed load, open loop at fixed rates, everything through the gateway
 * as browsers and an admin would send it. Config as JSON in BENCH_SOAK:
 * { gatewayUrl, admin: { email, password }, chained: [{ email, password }], loginUsers: [...],
 *   rates: { profile, refresh, login, adminList, register }, reportMs, adminReloginMs }.
 *
 * - profile: GET /api/user/profile with the access token of a chained browser session;
 * - refresh: rotates one chained session (its cookies and access token move on);
 * - login: a fresh session for one of `loginUsers` (their sessions hit the per-user cap, so the
 *   oldest is evicted: the store's bound is exercised too);
 * - adminList: GET /api/admin/users?limit=50;
 * - register: a new account, deleted by the admin a few seconds later, so events flow both ways
 *   (user.registered → user service, user.deleted → auth, session.revoked → gateway).
 * Every `reportMs` it prints { t, ops: { name: { ok, failed, p99Ms } } } for that period.
 * A request still unanswered when its op has `MAX_IN_FLIGHT` others pending is not sent (skipped).
 */
/* global URL, setInterval -- Node 20 built-ins */
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const { jar } = require('./cookie-jar');

const cfg = JSON.parse(process.env.BENCH_SOAK);
const target = new URL(cfg.gatewayUrl);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const MAX_IN_FLIGHT = 50;
const DELETE_AFTER_MS = 3000;

function request(method, path, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const all = { ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}), ...headers };
    const req = http.request({ host: target.hostname, port: target.port, path, method, agent, headers: all }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, cookies: res.headers['set-cookie'] ?? [], body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function login(account) {
  const res = await request('POST', '/api/auth/login', { body: account });
  if (res.status !== 200) throw new Error(`login of ${account.email} answered ${res.status}: ${res.body.slice(0, 200)}`);
  return { account, cookies: jar(res.cookies), accessToken: JSON.parse(res.body).accessToken, busy: false };
}

const period = {};
/** `ok`: true, 'skipped', or what went wrong (a status or an error code). */
function record(name, ok, ms) {
  const p = (period[name] ??= { ok: 0, failed: 0, skipped: 0, latencies: [], statuses: {} });
  if (ok === 'skipped') p.skipped++;
  else if (ok === true) {
    p.ok++;
    p.latencies.push(ms);
  } else {
    p.failed++;
    p.statuses[ok] = (p.statuses[ok] ?? 0) + 1;
  }
}

function report() {
  const ops = {};
  for (const [name, p] of Object.entries(period)) {
    const sorted = p.latencies.sort((a, b) => a - b);
    const p99Ms = sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] : null;
    ops[name] = { ok: p.ok, failed: p.failed, skipped: p.skipped, p99Ms, statuses: p.statuses };
    period[name] = { ok: 0, failed: 0, skipped: 0, latencies: [], statuses: {} };
  }
  process.stdout.write(`${JSON.stringify({ t: Date.now(), ops })}\n`);
}

/** Fires `op` `rate` times a second without waiting for answers, at most MAX_IN_FLIGHT at once. */
function openLoop(name, rate, op) {
  if (!rate) return;
  let inFlight = 0;
  const fire = async () => {
    if (inFlight >= MAX_IN_FLIGHT) return record(name, 'skipped');
    inFlight++;
    const t0 = process.hrtime.bigint();
    try {
      const status = await op();
      record(name, status, Number(process.hrtime.bigint() - t0) / 1e6);
    } catch (error) {
      record(name, `error:${error.code ?? error.message.slice(0, 40)}`);
    } finally {
      inFlight--;
    }
  };
  const intervalMs = 1000 / rate;
  let next = performance.now();
  const tick = () => {
    const now = performance.now();
    while (next <= now) {
      void fire();
      next += intervalMs;
    }
    setTimeout(tick, Math.max(1, next - performance.now()));
  };
  tick();
}

async function main() {
  let admin = await login(cfg.admin);
  setInterval(async () => {
    admin = await login(cfg.admin).catch(() => admin);
  }, cfg.adminReloginMs).unref();
  const browsers = [];
  for (const account of cfg.chained) browsers.push(await login(account));
  let turn = 0;
  const nextBrowser = () => browsers[turn++ % browsers.length];

  openLoop('profile', cfg.rates.profile, async () => {
    const res = await request('GET', '/api/user/profile', { headers: { authorization: `Bearer ${nextBrowser().accessToken}` } });
    return res.status === 200 || res.status;
  });
  openLoop('refresh', cfg.rates.refresh, async () => {
    const browser = browsers.find((b, i) => !b.busy && i >= turn % browsers.length) ?? browsers.find((b) => !b.busy);
    turn++;
    if (!browser) return 'skipped';
    browser.busy = true;
    try {
      const { refresh_token: refresh, csrf_token: csrf } = browser.cookies;
      const res = await request('POST', '/api/auth/refresh', { headers: { cookie: `refresh_token=${refresh}; csrf_token=${csrf}`, 'x-csrf-token': csrf } });
      if (res.status !== 200) {
        Object.assign(browser, await login(browser.account), { busy: true });
        return res.status;
      }
      browser.cookies = jar(res.cookies);
      browser.accessToken = JSON.parse(res.body).accessToken;
      return true;
    } finally {
      browser.busy = false;
    }
  });
  let loginTurn = 0;
  openLoop('login', cfg.rates.login, async () => {
    const res = await request('POST', '/api/auth/login', { body: cfg.loginUsers[loginTurn++ % cfg.loginUsers.length] });
    return res.status === 200 || res.status;
  });
  openLoop('adminList', cfg.rates.adminList, async () => {
    const res = await request('GET', '/api/admin/users?limit=50', { headers: { authorization: `Bearer ${admin.accessToken}` } });
    return res.status === 200 || res.status;
  });
  openLoop('register', cfg.rates.register, async () => {
    const account = { email: `soak-${randomUUID()}@example.com`, password: `Soak-${randomUUID()}` };
    const res = await request('POST', '/api/auth/register', { body: account });
    if (res.status !== 201) return res.status;
    const { id } = JSON.parse(res.body);
    setTimeout(() => void deleteLater(id, 0), DELETE_AFTER_MS);
    return true;
  });
  // The profile exists once the user service has consumed user.registered; until then 404.
  async function deleteLater(id, attempt) {
    const t0 = process.hrtime.bigint();
    try {
      const res = await request('DELETE', `/api/admin/users/${id}`, { headers: { authorization: `Bearer ${admin.accessToken}` } });
      if (res.status === 404 && attempt < 5) return void setTimeout(() => void deleteLater(id, attempt + 1), 1000);
      record('delete', res.status === 204 || res.status === 200 || res.status, Number(process.hrtime.bigint() - t0) / 1e6);
    } catch (error) {
      record('delete', `error:${error.code ?? error.message.slice(0, 40)}`);
    }
  }
  setInterval(report, cfg.reportMs);
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
}

process.on('SIGTERM', () => {
  report();
  process.exit(0);
});

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
