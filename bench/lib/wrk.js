/**
 * `wrk` as the load generator when the machine has it (Debian package `wrk`): a C client that
 * takes a small, steady share of the CPU it shares with the services, where autocannon (a Node
 * process) competes with them for it. A generated Lua `done` hook prints the summary as JSON.
 */
const { execFileSync, spawn } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('./processes');

/** wrk's own summary as one JSON line: counts, duration and latency percentiles in microseconds. */
const SUMMARY_SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"requests":%d,"durationUs":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"statusErrors":%d,"timeouts":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;

/** Runs a program to its end; resolves with its stdout, rejects with its stderr's tail. */
function spawnChild(binary, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${binary} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/** The path of the wrk binary, or undefined when it is not installed. */
function findWrk() {
  try {
    return execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A wrk runner bound to one temp dir holding the summary script; `close()` removes it.
 * Each run returns the same shape as `autocannon()` in load.js. wrk counts statuses above 399
 * as errors, which is what `non2xx` means for the GETs measured here.
 */
function createWrk(binary = findWrk()) {
  if (!binary) return undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-wrk-'));
  const script = path.join(dir, 'summary.lua');
  writeFileSync(script, SUMMARY_SCRIPT);
  return {
    name: 'wrk',
    async run({ url, headers = {}, connections = 32, seconds = 5, threads = 1 }) {
      const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '-s', script];
      for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
      args.push(url);
      const out = await spawnChild(binary, args);
      const summary = JSON.parse(out.trim().split('\n').pop());
      const secs = summary.durationUs / 1e6;
      return {
        seconds: secs,
        okPerSec: (summary.requests - summary.statusErrors) / secs,
        requestsPerSec: summary.requests / secs,
        non2xx: summary.statusErrors,
        errors: summary.connectErrors + summary.readErrors + summary.writeErrors + summary.timeouts,
        latencyP50Ms: summary.p50Us / 1000,
        latencyP99Ms: summary.p99Us / 1000,
        latencyMaxMs: summary.maxUs / 1000,
      };
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { createWrk, findWrk };
