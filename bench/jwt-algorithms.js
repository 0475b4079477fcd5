#!/usr/bin/env node
/**
 * Chooses the access-token algorithm: sign and verify cost of RS256 (2048) vs ES256 (P-256),
 * with keys parsed once (KeyObject) vs PEM parsed per call, and bcrypt per cost. Ratios are
 * taken within this one run. Usage: node bench/jwt-algorithms.js
 */
const { generateKeyPairSync, randomUUID } = require('node:crypto');
const jwt = require('jsonwebtoken');
const bcrypt = require('bcrypt');

function perOp(iterations, fn) {
  for (let i = 0; i < Math.min(200, iterations); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e3 / iterations;
}

const claims = { sub: randomUUID(), email: 'someone@example.com', roles: ['user'], sid: randomUUID() };
const results = {};
for (const [alg, pair] of [
  ['RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
]) {
  const { privateKey, publicKey } = pair();
  const pem = publicKey.export({ type: 'spki', format: 'pem' });
  const token = jwt.sign(claims, privateKey, { algorithm: alg, expiresIn: 900 });
  results[alg] = {
    signMicros: perOp(2000, () => jwt.sign(claims, privateKey, { algorithm: alg, expiresIn: 900 })),
    verifyMicros: perOp(5000, () => jwt.verify(token, publicKey, { algorithms: [alg] })),
    verifyPemPerCallMicros: perOp(2000, () => jwt.verify(token, pem, { algorithms: [alg] })),
    tokenBytes: token.length,
  };
}
const bcryptMillis = {};
for (const cost of [10, 12]) {
  const n = cost === 10 ? 20 : 6;
  const start = Date.now();
  for (let i = 0; i < n; i++) bcrypt.hashSync('correct horse battery staple', cost);
  bcryptMillis[cost] = (Date.now() - start) / n;
}

const row = (label, value) => process.stdout.write(`${label.padEnd(44)}${value}\n`);
for (const [alg, r] of Object.entries(results)) {
  row(`${alg} sign`, `${r.signMicros.toFixed(1)} µs`);
  row(`${alg} verify (cached KeyObject)`, `${r.verifyMicros.toFixed(1)} µs`);
  row(`${alg} verify (PEM parsed per call)`, `${r.verifyPemPerCallMicros.toFixed(1)} µs`);
  row(`${alg} token size`, `${r.tokenBytes} bytes`);
}
row('verify ES256 / RS256', `${(results.ES256.verifyMicros / results.RS256.verifyMicros).toFixed(2)}×`);
row('sign RS256 / ES256', `${(results.RS256.signMicros / results.ES256.signMicros).toFixed(2)}×`);
row('RS256 verify, PEM per call / cached', `${(results.RS256.verifyPemPerCallMicros / results.RS256.verifyMicros).toFixed(2)}×`);
for (const [cost, ms] of Object.entries(bcryptMillis)) row(`bcrypt cost ${cost} (one core)`, `${ms.toFixed(1)} ms/hash`);
process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), results, bcryptMillis })}\n`);
