#!/usr/bin/env node
/**
 * P5 A/B in one run: one auth process per variant (a built source tree and a signing algorithm),
 * all against the same database, each with its own Redis prefix, measured in interleaved windows
 * so the machine's noise falls on every variant alike. Reports rotations/s and auth CPU ms per
 * refresh per variant, and each variant's ratio to the first within the same repetition.
 *
 *   node bench/lib/refresh-ab.js [--reps 5] [--window 5000] [--clients 200] [--cpu-prof <dir>] \
 *     before=/tmp/old-tree:RS256 after=.:ES256 quiet=.:ES256:LOG_LEVEL=warn …
 *
 * A tree is a checkout with `tsc -b` done (e.g. `git archive HEAD | tar -x -C /tmp/old-tree`,
 * node_modules linked from this one). With --cpu-prof each auth writes a V8 CPU profile on exit;
 * with --write <title> the table becomes the "p5-before-after" section of bench/RESULTS.md.
 */
/* global fetch -- Node 20 built-ins */
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { startService, stopService, root } = require('./processes');
const { dropDatabases, deleteKeys } = require('./infra');
const { PG, REDIS_URL, authEnv } = require('./auth-env');
const { refreshWindows } = require('./refresh-windows');
const { spread } = require('./stats');
const { median } = require('./load');
const { writeSection } = require('./results-section');
const { generateSigningKeyPem } = require('../../services/auth/dist/crypto/signing-keys');

const log = (msg) => process.stderr.write(`[refresh-ab ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function parseArgs(argv) {
  const options = { reps: 5, windowMs: 5000, clients: 200, cpuProf: undefined, write: undefined, variants: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--reps') options.reps = Number(argv[++i]);
    else if (arg === '--window') options.windowMs = Number(argv[++i]);
    else if (arg === '--clients') options.clients = Number(argv[++i]);
    else if (arg === '--cpu-prof') options.cpuProf = path.resolve(argv[++i]);
    else if (arg === '--write') options.write = argv[++i];
    else {
      const at = arg.indexOf('=');
      const [tree, alg = 'ES256', overrides = ''] = arg.slice(at + 1).split(':');
      const env = Object.fromEntries(
        overrides
          .split(',')
          .filter(Boolean)
          .map((kv) => kv.split('=')),
      );
      options.variants.push({ name: arg.slice(0, at), tree: path.resolve(tree), alg, env });
    }
  }
  if (options.variants.length === 0) throw new Error('name at least one variant: name=<tree>[:ALG[:KEY=VALUE,…]]');
  return options;
}

/**
 * Starts one auth per variant and measures them in interleaved windows. `options` as parseArgs
 * returns; resolves with per-variant summaries and the raw windows.
 */
async function refreshAb(options) {
  const stamp = `${process.pid}_${Date.now()}`;
  const database = `gh_bench_ab_${stamp}`;
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-ab-logs-'));
  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-ab-keys-'));
  const sessionSecret = randomBytes(32).toString('base64url');
  const user = { email: `ab-${stamp}@example.com`, password: `Refresh-ab-${stamp}-pass` };
  const running = [];
  try {
    for (const variant of options.variants) {
      const keyFile = path.join(keysDir, `${variant.name}.pem`);
      writeFileSync(keyFile, generateSigningKeyPem(variant.alg), { mode: 0o600 });
      const prefix = `gh_bench_ab:${stamp}:${variant.name}:`;
      const env = authEnv({
        database,
        prefix,
        keysDir,
        sessionSecret,
        extra: { JWT_PRIVATE_KEY_FILE: keyFile, EVENTS_EXCHANGE: `gh_bench_ab.${stamp}`, EVENTS_QUEUE_PREFIX: `gh_bench_ab.${stamp}`, ...variant.env },
      });
      if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
      const nodeArgs = options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`, `--cpu-prof-name=${variant.name}-${stamp}.cpuprofile`] : [];
      log(`starting ${variant.name}: ${path.relative(root, variant.tree) || '.'} with ${variant.alg}`);
      const auth = await startService({ name: `auth-${variant.name}`, entry: path.join(variant.tree, 'services/auth/dist/main.js'), env, logDir, nodeArgs });
      running.push({ ...variant, auth, prefix });
    }
    const registered = await fetch(`${running[0].auth.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);

    const reps = [];
    for (let rep = 0; rep < options.reps; rep++) {
      const order = rep % 2 === 0 ? running : [...running].reverse();
      const result = {};
      for (const v of order) {
        const { windows, errors } = await refreshWindows({
          auth: v.auth,
          ...user,
          clients: options.clients,
          windowMs: options.windowMs,
          warmupMs: 1500,
          reps: 1,
        });
        result[v.name] = { ...windows[0], errors };
        log(`rep ${rep + 1} ${v.name}: ${windows[0].rate.toFixed(0)}/s, ${windows[0].cpuMsPerRefresh.toFixed(3)} CPU ms/refresh, errors ${errors}`);
      }
      reps.push(result);
    }
    const first = running[0].name;
    const summary = Object.fromEntries(
      running.map((v) => [
        v.name,
        {
          tree: v.tree,
          alg: v.alg,
          env: v.env,
          rate: spread(reps.map((r) => r[v.name].rate)),
          cpuMsPerRefresh: spread(reps.map((r) => r[v.name].cpuMsPerRefresh)),
          p99Ms: spread(reps.map((r) => r[v.name].p99Ms)),
          rateVsFirst: median(reps.map((r) => r[v.name].rate / r[first].rate)),
          cpuVsFirst: median(reps.map((r) => r[v.name].cpuMsPerRefresh / r[first].cpuMsPerRefresh)),
          errors: reps.reduce((sum, r) => sum + r[v.name].errors, 0),
        },
      ]),
    );
    return { summary, reps, options };
  } finally {
    for (const v of running) await stopService(v.auth);
    await dropDatabases(`${PG}/postgres`, [database]).catch((e) => log(`drop failed: ${e.message}`));
    await deleteKeys(REDIS_URL, `gh_bench_ab:${stamp}:`).catch((e) => log(`redis cleanup failed: ${e.message}`));
    rmSync(keysDir, { recursive: true, force: true });
    log(`service logs kept in ${logDir}`);
  }
}

/** The "p5-before-after" section of bench/RESULTS.md. */
function section(title, { summary, options }, argv) {
  const c = (s, d) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
  const first = Object.keys(summary)[0];
  return [
    `## P5 before/after: ${title}`,
    '',
    `Date: ${new Date().toISOString()}  `,
    `Machine: nproc=${os.availableParallelism()}, CPU: ${os.cpus()[0]?.model ?? 'unknown'}, Node ${process.version}  `,
    `Command: \`node bench/lib/refresh-ab.js ${argv.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}\``,
    '',
    `One auth process per variant, same database, ${options.clients} chained refresh clients (bench/lib/refresh-clients.js, as P5), ${options.reps} interleaved ${options.windowMs / 1000} s windows each; median (min–max). Ratios are taken within each repetition against "${first}". CPU ms per refresh is auth's own CPU inside the window (/proc).`,
    '',
    '| variant | code | alg | settings | rotations/s | × first | auth CPU ms per refresh | × first | p99 ms | errors |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(summary).map(
      ([name, s]) =>
        `| ${name} | ${s.tree === root ? 'this tree' : s.tree} | ${s.alg} | ${
          Object.entries(s.env ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(' ') || '—'
        } | ${c(s.rate, 0)} | ${s.rateVsFirst.toFixed(2)} | ${c(s.cpuMsPerRefresh, 3)} | ${s.cpuVsFirst.toFixed(2)} | ${s.p99Ms.median.toFixed(0)} | ${s.errors} |`,
    ),
  ].join('\n');
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const options = parseArgs(argv);
  refreshAb(options)
    .then((result) => {
      const { summary } = result;
      if (options.write) writeSection('p5-before-after', section(options.write, result, argv));
      for (const [name, s] of Object.entries(summary)) {
        process.stdout.write(
          `${name.padEnd(12)} ${s.alg.padEnd(6)} ${s.rate.median.toFixed(0)}/s (${s.rate.min.toFixed(0)}–${s.rate.max.toFixed(0)})  ` +
            `${s.cpuMsPerRefresh.median.toFixed(3)} CPU ms/refresh (${s.cpuMsPerRefresh.min.toFixed(3)}–${s.cpuMsPerRefresh.max.toFixed(3)})  ` +
            `rate ×${s.rateVsFirst.toFixed(2)}  cpu ×${s.cpuVsFirst.toFixed(2)}  p99 ${s.p99Ms.median.toFixed(1)} ms  errors ${s.errors}\n`,
        );
      }
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    })
    .catch((error) => {
      process.stderr.write(`refresh-ab failed: ${error.stack ?? error}\n`);
      process.exit(1);
    });
}

module.exports = { refreshAb, parseArgs };
