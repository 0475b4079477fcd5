/**
 * Load generation always happens in child processes: autocannon through its CLI (`-j`), or the
 * bench's own child scripts. Also reads /metrics.
 */
/* global fetch -- Node 20 built-in (undici) */
const { spawn } = require('node:child_process');
const path = require('node:path');
const { root } = require('./processes');

const AUTOCANNON = path.join(root, 'node_modules', 'autocannon', 'autocannon.js');

function runChild(args, { env, onLine } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (onLine) {
        const lines = out.split('\n');
        out = lines.pop();
        for (const line of lines) onLine(line, child);
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args[0]} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/**
 * One autocannon run. Returns successful (2xx) responses per second, plus latency and errors.
 * `opts`: { url, connections, seconds, method, headers, body, rate }.
 */
async function autocannon(opts) {
  const args = [AUTOCANNON, '-j', '-c', String(opts.connections ?? 32), '-d', String(opts.seconds ?? 5)];
  if (opts.method) args.push('-m', opts.method);
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  if (opts.body) args.push('-b', opts.body);
  if (opts.rate) args.push('-R', String(opts.rate));
  args.push(opts.url);
  const result = JSON.parse(await runChild(args));
  const seconds = result.duration;
  return {
    seconds,
    okPerSec: result['2xx'] / seconds,
    requestsPerSec: result.requests.total / seconds,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
  };
}

/** Named gauge values from a Prometheus text exposition. */
async function scrape(url, names) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values = {};
  for (const name of names) {
    const match = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm'));
    values[name] = match ? Number(match[1]) : undefined;
  }
  return values;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

module.exports = { runChild, autocannon, scrape, median };
