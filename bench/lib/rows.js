/** Turns raw per-repetition figures into the table rows: medians, same-run ratios, verdicts. */
const { median } = require('./load');

const n0 = (x) => Math.round(x).toLocaleString('en-US');
const n1 = (x) => x.toFixed(1);
const ratio = (x) => `${x.toFixed(2)}×`;
const verdict = (ok) => (ok ? 'PASS' : 'MISS');
const med = (reps, f) => median(reps.map(f));
const failures = (results) => results.reduce((sum, r) => sum + (r.non2xx ?? 0) + (r.errors ?? 0), 0);

/** The P1 family. `proxy` is proxyScenario's result: the load generator, nginx's fate and the repetitions. */
function proxyRows({ loadGenerator, connections, nginxSkipped, reps, otlp }) {
  const rps = (name) => med(reps, (r) => r[name].okPerSec);
  const ratios = (a, b) => reps.map((r) => r[a].okPerSec / r[b].okPerSec);
  const rel = (a, b) => median(ratios(a, b));
  const spread = (a, b) =>
    `${ratios(a, b)
      .map((x) => x.toFixed(2))
      .join(', ')} per rep`;
  const bad = failures(reps.flatMap((r) => Object.values(r)));
  const flag = bad ? ` (${bad} non-2xx/errors!)` : '';
  const min = (a, b, t) => ({ ratio: ratio(rel(a, b)), verdict: bad ? 'INVALID' : verdict(rel(a, b) >= t) });
  const load = loadGenerator === 'wrk' ? `wrk -t1 -c${connections}` : `autocannon -c${connections}: wrk not installed`;
  const rows = [
    {
      id: 'P1',
      what: `GET /api/user/profile via gateway (cached) vs direct on user (${load})`,
      absolute: `${n0(rps('cached'))} vs ${n0(rps('direct'))} req/s; ${spread('cached', 'direct')}${flag}`,
      ...min('cached', 'direct', 0.8),
      target: '≥ 0.80×',
    },
  ];
  if (reps[0].nginx) {
    rows.push({
      id: 'P1ng',
      what: 'same via nginx proxy_pass, upstream keep-alive, 1 worker (the reference)',
      absolute: `${n0(rps('nginx'))} vs ${n0(rps('direct'))} req/s; gateway/nginx ${ratio(rel('cached', 'nginx'))} (${spread('cached', 'nginx')})`,
      ratio: ratio(rel('nginx', 'direct')),
      target: 'info',
    });
  } else {
    rows.push({
      id: 'P1ng',
      what: 'same via nginx proxy_pass (the reference)',
      absolute: `skipped: ${nginxSkipped ?? 'not started'}`,
      target: 'info',
      verdict: 'n/a',
    });
  }
  rows.push(
    {
      id: 'P1n',
      what: 'same, gateway JWT_VERIFY_MODE=uncached (naive) vs direct',
      absolute: `${n0(rps('uncached'))} vs ${n0(rps('direct'))} req/s; uncached/cached ${ratio(rel('uncached', 'cached'))}`,
      ratio: ratio(rel('uncached', 'direct')),
      target: 'info',
    },
    {
      id: 'P1x2',
      what: 'same, 2 gateway processes vs 1 (cached)',
      absolute: `${n0(rps('twoGateways'))} vs ${n0(rps('cached'))} req/s`,
      ratio: ratio(rel('twoGateways', 'cached')),
      target: 'info',
    },
    {
      id: 'P2',
      what: 'gateway cached vs JWT_VERIFY_MODE=off',
      absolute: `${n0(rps('cached'))} vs ${n0(rps('off'))} req/s`,
      ...min('cached', 'off', 0.95),
      target: '≥ 0.95×',
    },
  );
  if (reps[0].traced) {
    rows.push({
      id: 'P1t',
      what: 'same, gateway+user with tracing on (OTLP/HTTP protobuf to a local no-op receiver) vs off (cached)',
      absolute: `${n0(rps('traced'))} vs ${n0(rps('cached'))} req/s; ${spread('traced', 'cached')}; receiver got ${n0(otlp?.exports ?? 0)} exports, ${n1((otlp?.bytes ?? 0) / 2 ** 20)} MB`,
      ratio: ratio(rel('traced', 'cached')),
      target: 'info',
    });
  }
  return rows;
}

function loginRows(reps) {
  const logins = med(reps, (r) => r.storm.okPerSec);
  const bound = med(reps, (r) => r.boundPerSec);
  const rel = med(reps, (r) => r.storm.okPerSec / r.boundPerSec);
  const bad = failures(reps.map((r) => r.storm));
  const lag = med(reps, (r) => r.loopLagP99Ms);
  const hz = med(reps, (r) => r.probe.latencyP99Ms);
  return [
    {
      id: 'P3',
      what: 'logins/s at BCRYPT_COST=12 vs bcrypt bound (all cores)',
      absolute: `${n1(logins)} vs ${n1(bound)} /s${bad ? ` (${bad} non-2xx/errors!)` : ''}`,
      ratio: ratio(rel),
      target: '≥ 0.90×',
      verdict: bad ? 'INVALID' : verdict(rel >= 0.9),
    },
    {
      id: 'P4a',
      what: 'auth event-loop delay p99 during login storm (prom-client metric)',
      absolute: `${n1(lag)} ms (auth idle while bound ran: ${n1(med(reps, (r) => r.idleLoopLagP99Ms))} ms; the metric includes its 10 ms sampling interval)`,
      target: '< 20 ms',
      verdict: verdict(lag < 20),
    },
    {
      id: 'P4b',
      what: 'auth /healthz latency p99 during login storm (20 req/s probe)',
      absolute: `${n1(hz)} ms`,
      target: '< 50 ms',
      verdict: verdict(hz < 50),
    },
  ];
}

function refreshRows({ throughput, count }) {
  const rate = median(throughput.windows);
  const perRefresh = count.clientCalls / count.refreshes;
  const breakdown = Object.entries(count.monitored.fromClients)
    .map(([c, k]) => `${c} ${n1(k / count.refreshes)}`)
    .join(', ');
  return [
    {
      id: 'P5',
      what: 'refresh rotations/s (200 chained virtual clients, child process)',
      absolute: `${n0(rate)} /s (errors ${throughput.errors})`,
      target: '≥ 2,500/s',
      verdict: throughput.errors ? 'INVALID' : verdict(rate >= 2500),
    },
    {
      id: 'P5r',
      what: `Redis round trips per refresh (${count.refreshes} counted)`,
      absolute: `${n1(perRefresh)} client cmds/refresh [${breakdown}]; commandstats ${n1(count.commandstatsTotal / count.refreshes)} calls/refresh incl. inside Lua`,
      target: '1',
      verdict: count.errors ? 'INVALID' : verdict(perRefresh <= 1.0001),
    },
  ];
}

function sessionBytesRows({ fresh, afterOne, afterHundred }) {
  const rel = afterHundred.bytes / afterOne.bytes;
  const at = (m) => `${n0(m.bytes)} B in ${m.keys} ${m.keys === 1 ? 'key' : 'keys'}`;
  return [
    {
      id: 'P8',
      what: 'Redis bytes of one session after 100 refreshes vs after 1 (and fresh)',
      absolute: `${at(afterHundred)} vs ${at(afterOne)}${fresh ? ` (fresh ${at(fresh)})` : ''}`,
      ratio: ratio(rel),
      target: '≤ 400 B, within 10 %',
      verdict: verdict(afterHundred.bytes <= 400 && Math.abs(rel - 1) <= 0.1 && afterHundred.keys === afterOne.keys),
    },
  ];
}

function clientCredentialsRows(reps) {
  const rps = (name) => med(reps, (r) => r[name].okPerSec);
  const bad = failures(reps.flatMap((r) => Object.values(r)));
  const flag = bad ? ` (${bad} non-2xx/errors!)` : '';
  return [
    {
      id: 'P9',
      what: 'client credentials tokens/s through the gateway (32 connections)',
      absolute: `${n0(rps('gateway'))} /s; straight to auth ${n0(rps('direct'))} /s${flag}`,
      ratio: ratio(med(reps, (r) => r.gateway.okPerSec / r.direct.okPerSec)),
      target: '≥ 1,000/s',
      verdict: bad ? 'INVALID' : verdict(rps('gateway') >= 1000),
    },
  ];
}

function memoryRows(idle, after) {
  return Object.keys(idle).map((name) => ({
    id: 'P7',
    what: `${name} RSS idle / after P1`,
    absolute: `${n1(idle[name])} MB / ${n1(after?.[name] ?? NaN)} MB`,
    target: '< 120 MB idle',
    verdict: verdict(idle[name] < 120),
  }));
}

function buildRows(raw) {
  const rows = [];
  const pending = (id, what) => rows.push({ id, what, absolute: 'not measured (run did not reach it)', verdict: 'n/a' });
  if (raw.proxy) rows.push(...proxyRows(raw.proxy));
  else pending('P1/P2', 'gateway verify+proxy');
  if (raw.login) rows.push(...loginRows(raw.login));
  else pending('P3/P4', 'login throughput and loop delay');
  if (raw.refresh) rows.push(...refreshRows(raw.refresh));
  else pending('P5', 'refresh throughput');
  if (raw.sessionBytes) rows.push(...sessionBytesRows(raw.sessionBytes));
  else pending('P8', 'Redis bytes per session');
  if (raw.clientCredentials) rows.push(...clientCredentialsRows(raw.clientCredentials));
  else pending('P9', 'client credentials tokens/s');
  if (raw.email) {
    for (const [id, kind, label] of [
      ['P6', 'paced', '20 registrations/s'],
      ['P6b', 'burst', 'burst, 4 clients back to back'],
    ]) {
      const e = raw.email[kind];
      rows.push({
        id,
        what: `registration accepted → email at the SMTP server (200, ${label})`,
        absolute: `p50 ${n1(e.p50Ms)} ms, p99 ${n1(e.p99Ms)} ms, worst ${n1(e.worstMs)} ms (${e.delivered}/${e.registrations} delivered)`,
        target: 'p50 < 250 ms, p99 < 1 s',
        verdict: verdict(e.delivered === e.registrations && e.p50Ms < 250 && e.p99Ms < 1000),
      });
    }
  } else pending('P6', 'email latency');
  if (raw.rssIdleMb) rows.push(...memoryRows(raw.rssIdleMb, raw.rssAfterP1Mb));
  return rows;
}

/** Details behind the table: where the CPU goes per request, what Redis ran per refresh. */
function buildNotes(raw) {
  const notes = [];
  if (raw.proxy) {
    const { reps, loadGenerator, nginxSkipped } = raw.proxy;
    notes.push(
      `P1 load generator: ${loadGenerator}${loadGenerator === 'wrk' ? '' : ' (wrk not installed; autocannon takes CPU from the processes measured)'}${nginxSkipped ? `; nginx reference skipped: ${nginxSkipped}` : ''}`,
    );
    for (const target of Object.keys(reps[0])) {
      const perProcess = Object.keys(reps[0][target].cpuMsPerRequest ?? {}).map((p) => `${p} ${med(reps, (r) => r[target].cpuMsPerRequest[p]).toFixed(3)}`);
      notes.push(
        `P1 ${target}: CPU ms per request: ${perProcess.join(', ')}; latency p99 ${n1(med(reps, (r) => r[target].latencyP99Ms))} ms; req/s per rep ${reps.map((r) => n0(r[target].okPerSec)).join(', ')}`,
      );
    }
  }
  if (raw.login) notes.push(`P3 per rep (logins/s vs bound/s): ${raw.login.map((r) => `${n1(r.storm.okPerSec)}/${n1(r.boundPerSec)}`).join(', ')}`);
  if (raw.refresh) {
    const { count } = raw.refresh;
    const per = (o) =>
      Object.entries(o)
        .map(([c, k]) => `${c} ${n1(k / count.refreshes)}`)
        .join(', ');
    notes.push(`P5 windows (rotations/s): ${raw.refresh.throughput.windows.map(n0).join(', ')}`);
    notes.push(`P5r INFO commandstats diff per refresh (includes commands run inside Lua): ${per(count.commandstatsDiff)}`);
    notes.push(`P5r MONITOR per refresh: sent by clients: ${per(count.monitored.fromClients)}; run inside scripts: ${per(count.monitored.fromScripts)}`);
  }
  if (raw.clientCredentials) {
    for (const target of ['direct', 'gateway']) {
      const perProcess = Object.keys(raw.clientCredentials[0][target].cpuMsPerRequest).map(
        (p) => `${p} ${med(raw.clientCredentials, (r) => r[target].cpuMsPerRequest[p]).toFixed(3)}`,
      );
      notes.push(`P9 ${target}: CPU ms per token: ${perProcess.join(', ')}; latency p99 ${n1(med(raw.clientCredentials, (r) => r[target].latencyP99Ms))} ms`);
    }
  }
  return notes;
}

module.exports = { buildRows, buildNotes };
