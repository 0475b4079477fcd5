#!/usr/bin/env node
/**
 * Chooses the access-token algorithm: RS256 (RSA-2048) vs ES256 (P-256) vs EdDSA (Ed25519).
 *
 * In process, 7 interleaved rounds of CPU time per operation: sign with auth's own signer
 * (services/auth/dist, node:crypto), verify with @gatehouse/jwt exactly as a gateway in
 * JWT_VERIFY_MODE=uncached does (parse, signature, claims) and with jose's jwtVerify under the same
 * rules (the library libs/jwt would otherwise wrap: issue 16, point 5), token size; and bcrypt per cost.
 * With `e2e`, also P1 uncached and P5 per algorithm with real processes (bench/lib/algorithm-e2e.js).
 *
 * Usage: node bench/jwt-algorithms.js [e2e]   or   npm run bench -- algorithms [e2e]
 * Run `tsc -b` first (npm run bench does). With e2e the "algorithms" section of bench/RESULTS.md
 * is rewritten.
 */
const { createPublicKey, randomUUID } = require('node:crypto');
const jose = require('jose');
const bcrypt = require('bcrypt');
const { createAccessTokenSigner } = require('../services/auth/dist/crypto/access-token.signer');
const { SIGNING_ALGORITHMS, generateSigningKeyPem, signingKeyFromPem } = require('../services/auth/dist/crypto/signing-keys');
const { createStaticKeyVerifier } = require('../libs/jwt/dist');
const os = require('node:os');
const { median } = require('./lib/load');
const { spread } = require('./lib/stats');
const { writeSection } = require('./lib/results-section');

const ROUNDS = 7;
const ISSUER = 'gatehouse';
const AUDIENCE = 'gatehouse-api';
const claims = { userId: randomUUID(), email: 'someone@example.com', name: 'Some One', roles: ['user'], emailVerified: true };

/**
 * CPU microseconds (user + system) per call of `fn`, after a short warm-up. CPU time rather than
 * wall time: on a shared 2-core machine the wall clock also counts the time other processes held
 * the core, the CPU clock does not.
 */
async function perOp(iterations, fn) {
  for (let i = 0; i < Math.min(200, iterations); i++) await fn();
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

function subjects() {
  return SIGNING_ALGORITHMS.map((alg) => {
    const { signing, jwk } = signingKeyFromPem(generateSigningKeyPem(alg));
    const signer = createAccessTokenSigner({ key: () => signing, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 900, clock: Date.now });
    const verifier = createStaticKeyVerifier({ jwks: { keys: [jwk] }, issuer: ISSUER, audience: AUDIENCE });
    const token = signer.sign(claims, randomUUID(), ['pwd']).token;
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    const rules = { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg], typ: 'at+jwt', requiredClaims: ['sub', 'exp', 'iat', 'jti'] };
    const joseVerify = () => jose.jwtVerify(token, publicKey, rules);
    return { alg, signer, verifier, token, joseVerify };
  });
}

async function microRounds() {
  const all = subjects();
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round = {};
    for (const s of all) {
      round[s.alg] = {
        signMicros: await perOp(s.alg === 'RS256' ? 1500 : 4000, () => s.signer.sign(claims, 'sid', ['pwd'])),
        verifyMicros: await perOp(4000, () => s.verifier.verify(s.token)),
        joseVerifyMicros: await perOp(4000, s.joseVerify),
      };
    }
    rounds.push(round);
  }
  const summary = {};
  for (const s of all) {
    const pick = (field) => (rounds[0][s.alg][field] === null ? null : spread(rounds.map((round) => round[s.alg][field])));
    summary[s.alg] = { sign: pick('signMicros'), verify: pick('verifyMicros'), joseVerify: pick('joseVerifyMicros'), tokenBytes: s.token.length };
  }
  return { rounds, summary };
}

function bcryptMillis() {
  const out = {};
  for (const cost of [10, 12]) {
    const n = cost === 10 ? 20 : 6;
    const start = Date.now();
    for (let i = 0; i < n; i++) bcrypt.hashSync('correct horse battery staple', cost);
    out[cost] = (Date.now() - start) / n;
  }
  return out;
}

const row = (label, value) => process.stdout.write(`${label.padEnd(52)}${value}\n`);
const us = (s) => `${s.median.toFixed(1)} µs (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;

async function main(args) {
  const micro = await microRounds();
  const bcryptCost = bcryptMillis();
  process.stdout.write(`\nIn process, CPU µs per operation, ${ROUNDS} interleaved rounds, median (min–max):\n`);
  for (const [alg, s] of Object.entries(micro.summary)) {
    row(`${alg} sign, auth signer (node:crypto)`, us(s.sign));
    row(`${alg} verify, @gatehouse/jwt uncached`, us(s.verify));
    row(`${alg} verify, jose jwtVerify`, us(s.joseVerify));
    row(`${alg} token size`, `${s.tokenBytes} bytes`);
  }
  const ratioOf = (a, b, field) => median(micro.rounds.map((round) => round[a][field] / round[b][field]));
  row('sign RS256 / ES256 (same round)', `${ratioOf('RS256', 'ES256', 'signMicros').toFixed(1)}×`);
  row('sign RS256 / EdDSA (same round)', `${ratioOf('RS256', 'EdDSA', 'signMicros').toFixed(1)}×`);
  row('verify ES256 / RS256 (same round)', `${ratioOf('ES256', 'RS256', 'verifyMicros').toFixed(2)}×`);
  row('verify EdDSA / RS256 (same round)', `${ratioOf('EdDSA', 'RS256', 'verifyMicros').toFixed(2)}×`);
  for (const alg of Object.keys(micro.summary))
    row(
      `${alg} verify jose / @gatehouse/jwt (same round)`,
      `${median(micro.rounds.map((round) => round[alg].joseVerifyMicros / round[alg].verifyMicros)).toFixed(2)}×`,
    );
  for (const [cost, ms] of Object.entries(bcryptCost)) row(`bcrypt cost ${cost} (one core)`, `${ms.toFixed(1)} ms/hash`);
  const result = { date: new Date().toISOString(), micro, bcryptMillis: bcryptCost };
  if (args.includes('e2e')) {
    const { algorithmEndToEnd } = require('./lib/algorithm-e2e');
    const started = Date.now();
    result.e2e = await algorithmEndToEnd({ log: (m) => process.stderr.write(`[algorithms ${new Date().toISOString().slice(11, 19)}] ${m}\n`) });
    const markdown = section(result, (Date.now() - started) / 1000);
    writeSection('algorithms', markdown);
    process.stdout.write(`\n${markdown}\n\n`);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const cell = (s, digits = 0) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

/** The "algorithms" section of bench/RESULTS.md: in-process costs, then P1 uncached and P5 per algorithm. */
function section({ micro, e2e }, seconds) {
  const algs = Object.keys(micro.summary);
  const ratioOf = (a, b, field, other = field) => median(micro.rounds.map((round) => round[a][field] / round[b][other]));
  const lines = [
    '## Signing algorithm: RS256 vs ES256 vs EdDSA',
    '',
    `Date: ${new Date().toISOString()}  `,
    `Machine: nproc=${os.availableParallelism()}, CPU: ${os.cpus()[0]?.model ?? 'unknown'}, Node ${process.version}  `,
    `Command: \`npm run bench -- algorithms e2e\` (end-to-end part ${seconds.toFixed(0)} s; load generator ${e2e.generator})`,
    '',
    `In process, CPU µs per operation, median (min–max) of ${micro.rounds.length} interleaved rounds. Sign = auth's signer (node:crypto, header encoded once per key); verify = @gatehouse/jwt as a gateway in JWT_VERIFY_MODE=uncached runs it (parse, signature, claims).`,
    '',
    '| | sign | verify, @gatehouse/jwt | verify, jose | jose / ours (same round) | token bytes |',
    '|---|---:|---:|---:|---:|---:|',
    ...algs.map((a) => {
      const s = micro.summary[a];
      return `| ${a} | ${cell(s.sign, 1)} | ${cell(s.verify, 1)} | ${cell(s.joseVerify, 1)} | ${ratioOf(a, a, 'joseVerifyMicros', 'verifyMicros').toFixed(2)}× | ${s.tokenBytes} |`;
    }),
    '',
    `Same-round ratios: sign RS256/ES256 ${ratioOf('RS256', 'ES256', 'signMicros').toFixed(1)}×, RS256/EdDSA ${ratioOf('RS256', 'EdDSA', 'signMicros').toFixed(1)}×; verify ES256/RS256 ${ratioOf('ES256', 'RS256', 'verifyMicros').toFixed(2)}×, EdDSA/RS256 ${ratioOf('EdDSA', 'RS256', 'verifyMicros').toFixed(2)}×.`,
    '',
    `End to end, one auth per algorithm (every JWKS holds all three keys), one user service, one gateway in JWT_VERIFY_MODE=uncached; ${e2e.p1.length} interleaved repetitions, median (min–max). CPU ms per request are the serving process's own (/proc), steadier than rates on the shared machine.`,
    '',
    '| | P1 uncached req/s | P1 / direct | gateway CPU ms per request | P5 rotations/s | P5 / RS256 | auth CPU ms per refresh | auth CPU / RS256 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...['RS256', 'ES256', 'EdDSA'].map((a) => {
      const s = e2e.summary[a];
      return `| ${a} | ${cell(s.p1.rate)} | ${s.p1.vsDirect.toFixed(2)}× | ${cell(s.p1.gatewayCpuMs, 3)} | ${cell(s.p5.rate)} | ${s.p5.vsRs256.toFixed(2)}× | ${cell(s.p5.authCpuMs, 3)} | ${s.p5.cpuVsRs256.toFixed(2)}× |`;
    }),
    '',
    `Direct on the user service: ${cell(e2e.summary.direct.rate)} req/s. Errors: P1 ${['RS256', 'ES256', 'EdDSA'].map((a) => e2e.summary[a].p1.failures).join('/')}, P5 ${['RS256', 'ES256', 'EdDSA'].map((a) => e2e.summary[a].p5.errors).join('/')} (RS256/ES256/EdDSA).`,
  ];
  return lines.join('\n');
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`jwt-algorithms failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
