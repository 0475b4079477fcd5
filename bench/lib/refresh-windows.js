/**
 * P5 measured window by window: bench/lib/refresh-clients.js drives chained refreshes and marks
 * each window, and the CPU the auth process spent inside exactly that window is read from /proc.
 * Rotations/s moves with whatever else the shared machine runs; CPU ms per refresh much less.
 */
const path = require('node:path');
const { runChild } = require('./load');
const { cpuSeconds } = require('./proc');

const CLIENT = path.join(__dirname, 'refresh-clients.js');

/**
 * Runs one refresh-clients child against `auth` and returns one entry per window:
 * `{ rate, cpuMsPerRefresh, p50Ms, p99Ms }`, plus the child's error count.
 * `options`: { auth, email, password, clients, warmupMs, windowMs, reps, sessions? }.
 */
async function refreshWindows({ auth, email, password, clients = 200, warmupMs = 2000, windowMs = 5000, reps = 1, sessions }) {
  const cfg = { authUrl: auth.url, email, password, clients, mode: 'throughput', warmupMs, windowMs, reps, marks: true, sessions };
  const cpu = [];
  let cpuAtStart;
  let summary;
  await runChild([CLIENT], {
    env: { BENCH_REFRESH: JSON.stringify(cfg) },
    onLine: (line) => {
      const msg = JSON.parse(line);
      if (msg.mark === 'start') cpuAtStart = cpuSeconds(auth.child.pid);
      else if (msg.mark === 'end') cpu.push(((cpuSeconds(auth.child.pid) - cpuAtStart) * 1000) / msg.refreshes);
      else summary = msg;
    },
  });
  const windows = summary.windows.map((rate, i) => ({ rate, cpuMsPerRefresh: cpu[i], ...summary.latency[i] }));
  return { windows, errors: summary.errors, statuses: summary.statuses };
}

module.exports = { refreshWindows };
