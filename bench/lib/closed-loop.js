/**
 * A closed-loop HTTP client for latency percentiles: `concurrency` callers, each sending its next
 * request when the last one answered, until `count` requests have been answered. Keep-alive
 * sockets; the latency of every answer is kept.
 */
/* global URL -- Node 20 built-ins */
const http = require('node:http');
const { percentile } = require('./stats');
const { cpuSeconds } = require('./proc');

/**
 * `next(i)` returns `{ method, path, headers?, body? }` for the i-th request; `expect` the status
 * counted as success; `pid`, the serving process, whose CPU ms per answer is reported too.
 * Resolves with `{ p50Ms, p99Ms, maxMs, ok, failed, statuses, cpuMsPerRequest }`.
 */
async function closedLoop({ url, next, count, concurrency = 4, expect = 200, pid }) {
  const cpuBefore = pid ? cpuSeconds(pid) : NaN;
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  const statuses = {};
  let issued = 0;
  let failed = 0;
  const send = (req) =>
    new Promise((resolve, reject) => {
      const body = req.body === undefined ? undefined : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
      const headers = { ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}), ...req.headers };
      const r = http.request({ host: target.hostname, port: target.port, path: req.path, method: req.method, agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      r.on('error', reject);
      r.end(body);
    });
  const worker = async () => {
    while (issued < count) {
      const i = issued++;
      const t0 = process.hrtime.bigint();
      const status = await send(next(i));
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === expect) latencies.push(ms);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  const cpuMsPerRequest = ((cpuSeconds(pid) - cpuBefore) * 1000) / count;
  return {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
    ok: latencies.length,
    failed,
    statuses,
    cpuMsPerRequest,
  };
}

module.exports = { closedLoop };
