/**
 * The signing algorithm end to end (`npm run bench -- algorithms e2e`): one auth per algorithm
 * (RS256, ES256, EdDSA) on one database, each publishing all three public keys, so one user
 * service and one gateway in JWT_VERIFY_MODE=uncached verify every token. Measures, interleaved:
 * P5 (refresh rotations/s and auth CPU ms per refresh) per algorithm, and P1 uncached
 * (GET /api/user/profile through the gateway with a token of each algorithm: req/s and gateway
 * CPU ms per request), with the direct call to the user service beside it.
 */
/* global fetch -- Node 20 built-in (undici) */
const { createPublicKey, randomBytes } = require('node:crypto');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startService, stopService } = require('./processes');
const { dropDatabases, deleteKeys } = require('./infra');
const { PG, REDIS_URL, authEnv } = require('./auth-env');
const { refreshWindows } = require('./refresh-windows');
const { autocannon, median } = require('./load');
const { cpuSeconds } = require('./proc');
const { spread } = require('./stats');
const { generateSigningKeyPem } = require('../../services/auth/dist/crypto/signing-keys');

const ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
const REPS = 5;
const SECONDS = 5;

/** wrk when installed (a C client that leaves the services their CPU), else autocannon. */
function loadGenerator() {
  try {
    const { createWrk } = require('./wrk');
    const wrk = createWrk();
    if (wrk) return wrk;
  } catch {
    // bench/lib/wrk.js absent: autocannon it is
  }
  return { name: 'autocannon', run: (opts) => autocannon(opts), close() {} };
}

async function post(url, body, expected) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== expected) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
  return res;
}

/** Runs `fn` and adds the CPU ms `service` spent per successful response. */
async function withCpu(service, fn) {
  const before = cpuSeconds(service.child.pid);
  const result = await fn();
  return { ...result, cpuMsPerRequest: ((cpuSeconds(service.child.pid) - before) * 1000) / (result.okPerSec * result.seconds) };
}

async function algorithmEndToEnd({ log }) {
  const stamp = `${process.pid}_${Date.now()}`;
  const database = `gh_bench_alg_${stamp}`;
  const userDatabase = `gh_bench_alg_${stamp}_user`;
  const prefix = `gh_bench_alg:${stamp}:`;
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-alg-logs-'));
  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-alg-keys-'));
  const sessionSecret = randomBytes(32).toString('base64url');
  const events = { EVENTS_EXCHANGE: `gh_bench_alg.${stamp}`, EVENTS_QUEUE_PREFIX: `gh_bench_alg.${stamp}` };
  const account = { email: `alg-${stamp}@example.com`, password: `Algorithms-${stamp}` };
  const generator = loadGenerator();
  const running = [];
  const start = async (opts) => {
    const s = await startService({ ...opts, logDir });
    running.push(s);
    return s;
  };
  try {
    const files = {};
    for (const alg of ALGORITHMS) {
      const pem = generateSigningKeyPem(alg);
      files[alg] = { private: path.join(keysDir, `${alg}.pem`), public: path.join(keysDir, `${alg}.pub.pem`) };
      writeFileSync(files[alg].private, pem, { mode: 0o600 });
      writeFileSync(files[alg].public, createPublicKey(pem).export({ type: 'spki', format: 'pem' }));
    }
    const auths = {};
    for (const alg of ALGORITHMS) {
      const others = ALGORITHMS.filter((a) => a !== alg).map((a) => files[a].public);
      const extra = { ...events, LOG_LEVEL: 'warn', JWT_PRIVATE_KEY_FILE: files[alg].private, JWT_PUBLISHED_PUBLIC_KEY_FILES: others.join(',') };
      auths[alg] = await start({ name: `auth-${alg}`, entry: 'services/auth/dist/main.js', env: authEnv({ database, prefix, keysDir, sessionSecret, extra }) });
    }
    const jwks = `${auths.ES256.url}/.well-known/jwks.json`;
    const user = await start({
      name: 'user',
      entry: 'services/user/dist/main.js',
      env: { NODE_ENV: 'development', DATABASE_URL: `${PG}/${userDatabase}`, JWKS_URL: jwks, LOG_LEVEL: 'warn', ...events },
    });
    const gateway = await start({
      name: 'gateway-uncached',
      entry: 'gateway/dist/main.js',
      env: {
        NODE_ENV: 'development',
        AUTH_SERVICE_URL: auths.ES256.url,
        USER_SERVICE_URL: user.url,
        JWKS_URL: jwks,
        JWT_VERIFY_MODE: 'uncached',
        LOG_LEVEL: 'warn',
        ...events,
      },
    });
    await post(`${auths.ES256.url}/api/auth/register`, account, 201);
    const tokens = {};
    for (const alg of ALGORITHMS) tokens[alg] = (await (await post(`${auths[alg].url}/api/auth/login`, account, 200)).json()).accessToken;
    for (const alg of ALGORITHMS) {
      const res = await fetch(`${gateway.url}/api/user/profile`, { headers: { authorization: `Bearer ${tokens[alg]}` } });
      if (res.status !== 200) throw new Error(`the gateway answered ${res.status} to the ${alg} token`);
    }

    log(`P1 uncached, ${REPS} reps × (direct + 3 algorithms) × ${SECONDS} s with ${generator.name}`);
    const profile = (url, alg, seconds) =>
      generator.run({ url: `${url}/api/user/profile`, headers: { authorization: `Bearer ${tokens[alg]}` }, connections: 32, seconds });
    for (const alg of ALGORITHMS) await profile(gateway.url, alg, 2);
    const p1 = [];
    for (let rep = 0; rep < REPS; rep++) {
      const r = { direct: await withCpu(user, () => profile(user.url, 'ES256', SECONDS)) };
      for (const alg of rep % 2 ? [...ALGORITHMS].reverse() : ALGORITHMS) r[alg] = await withCpu(gateway, () => profile(gateway.url, alg, SECONDS));
      log(
        `P1 rep ${rep + 1}: direct ${r.direct.okPerSec.toFixed(0)}/s, ${ALGORITHMS.map((a) => `${a} ${r[a].okPerSec.toFixed(0)}/s ${r[a].cpuMsPerRequest.toFixed(3)} ms`).join(', ')}`,
      );
      p1.push(r);
    }

    log(`P5 per algorithm, ${REPS} reps × 3 × ${SECONDS} s`);
    const p5 = [];
    for (let rep = 0; rep < REPS; rep++) {
      const r = {};
      for (const alg of rep % 2 ? [...ALGORITHMS].reverse() : ALGORITHMS) {
        const { windows, errors } = await refreshWindows({ auth: auths[alg], ...account, clients: 200, warmupMs: 1500, windowMs: SECONDS * 1000, reps: 1 });
        r[alg] = { ...windows[0], errors };
      }
      log(`P5 rep ${rep + 1}: ${ALGORITHMS.map((a) => `${a} ${r[a].rate.toFixed(0)}/s ${r[a].cpuMsPerRefresh.toFixed(3)} ms`).join(', ')}`);
      p5.push(r);
    }

    const summary = {};
    for (const alg of ALGORITHMS) {
      summary[alg] = {
        p1: {
          rate: spread(p1.map((r) => r[alg].okPerSec)),
          vsDirect: median(p1.map((r) => r[alg].okPerSec / r.direct.okPerSec)),
          gatewayCpuMs: spread(p1.map((r) => r[alg].cpuMsPerRequest)),
          failures: p1.reduce((sum, r) => sum + r[alg].non2xx + r[alg].errors, 0),
        },
        p5: {
          rate: spread(p5.map((r) => r[alg].rate)),
          vsRs256: median(p5.map((r) => r[alg].rate / r.RS256.rate)),
          authCpuMs: spread(p5.map((r) => r[alg].cpuMsPerRefresh)),
          cpuVsRs256: median(p5.map((r) => r[alg].cpuMsPerRefresh / r.RS256.cpuMsPerRefresh)),
          errors: p5.reduce((sum, r) => sum + r[alg].errors, 0),
        },
      };
    }
    summary.direct = { rate: spread(p1.map((r) => r.direct.okPerSec)) };
    return { generator: generator.name, summary, p1, p5 };
  } finally {
    generator.close();
    for (const s of running) await stopService(s);
    await dropDatabases(`${PG}/postgres`, [database, userDatabase]).catch((e) => log(`drop failed: ${e.message}`));
    await deleteKeys(REDIS_URL, prefix).catch((e) => log(`redis cleanup failed: ${e.message}`));
    rmSync(keysDir, { recursive: true, force: true });
    log(`service logs kept in ${logDir}`);
  }
}

module.exports = { algorithmEndToEnd };
