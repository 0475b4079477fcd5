#!/usr/bin/env node
/**
 * `npm run keys -- status [manifest]`: where each key of the signing-key manifest stands now.
 * `npm run keys -- generate <dir> [manifest] [--alg ES256|RS256|EdDSA]`: a new signing key in <dir>
 * (EC P-256 unless --alg says otherwise; RS256 for verifiers that accept RSA only), activating once
 * verifiers can have fetched it; appended to the manifest when one is given. Keys of different
 * algorithms can share a manifest: a rotation from RS256 to ES256 is one more generate.
 * Timings come from the auth service's environment variables, with its defaults.
 */
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { authConfigSchema } = require('../services/auth/dist/config');
const { keyTimings } = require('../services/auth/dist/crypto/key-ring');
const { loadKeyManifest, parseKeyManifest } = require('../services/auth/dist/crypto/key-manifest');
const { keyStatus } = require('../services/auth/dist/crypto/key-status');
const { DEFAULT_SIGNING_ALGORITHM, SIGNING_ALGORITHMS, generateSigningKeyPem, signingKeyFromPem } = require('../services/auth/dist/crypto/signing-keys');

// Past the lead, so a rollout a few minutes late still publishes the key before it signs.
const ACTIVATION_MARGIN_MS = 10 * 60_000;
const USAGE = `usage: npm run keys -- status [manifest] | generate <dir> [manifest] [--alg ${SIGNING_ALGORITHMS.join('|')}] (default ${DEFAULT_SIGNING_ALGORITHM})`;

/** One setting, validated and defaulted by the auth service's own schema. */
function setting(name) {
  const { error, value } = authConfigSchema.extract(name).validate(process.env[name]);
  if (error) throw new Error(`${name}: ${error.message}`);
  return value;
}

function settings() {
  return keyTimings({
    KEY_PUBLISH_LEAD_SECONDS: setting('KEY_PUBLISH_LEAD_SECONDS'),
    ACCESS_TOKEN_TTL_SECONDS: setting('ACCESS_TOKEN_TTL_SECONDS'),
    VERIFIER_CACHE_SECONDS: setting('VERIFIER_CACHE_SECONDS'),
  });
}

const instant = (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString() : ms > 0 ? 'open' : 'always');

async function status(manifestFile) {
  const file = manifestFile || process.env.JWT_KEYS_MANIFEST_FILE;
  if (!file) throw new Error(`no manifest: pass one or set JWT_KEYS_MANIFEST_FILE\n${USAGE}`);
  const { rows, warnings } = keyStatus(await loadKeyManifest(file), Date.now(), settings());
  for (const row of rows) {
    console.log(
      `${row.kid}  ${row.state.padEnd(7)}  published ${instant(row.publishedFrom)} → ${instant(row.publishedUntil)}  signing ${instant(row.signingFrom)} → ${instant(row.signingUntil)}`,
    );
  }
  for (const warning of warnings) console.log(`warning: ${warning}`);
}

/** `--alg X` (or `--alg=X`) anywhere among the arguments; the rest stay positional. */
function algorithmOption(args) {
  const positional = [];
  let algorithm = DEFAULT_SIGNING_ALGORITHM;
  for (let i = 0; i < args.length; i += 1) {
    const [flag, inline] = args[i].split('=', 2);
    if (flag !== '--alg') {
      positional.push(args[i]);
      continue;
    }
    algorithm = inline ?? args[(i += 1)];
    if (!SIGNING_ALGORITHMS.includes(algorithm)) throw new Error(`--alg must be one of ${SIGNING_ALGORITHMS.join(', ')}\n${USAGE}`);
  }
  return { positional, algorithm };
}

function generate(args) {
  const {
    positional: [dir, manifestFile],
    algorithm,
  } = algorithmOption(args);
  if (!dir) throw new Error(USAGE);
  const { leadMs } = settings();
  const pem = generateSigningKeyPem(algorithm);
  const { kid } = signingKeyFromPem(pem).signing;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = path.resolve(dir, `${kid}.pem`);
  writeFileSync(keyFile, pem, { flag: 'wx', mode: 0o600 });
  const folder = manifestFile ? path.dirname(path.resolve(manifestFile)) : path.resolve(dir);
  const entry = { file: path.relative(folder, keyFile), activateAt: new Date(Date.now() + leadMs + ACTIVATION_MARGIN_MS).toISOString() };
  if (manifestFile) {
    const document = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')) : { keys: [] };
    document.keys = [...(document.keys || []), entry];
    parseKeyManifest(document, folder);
    writeFileSync(manifestFile, `${JSON.stringify(document, null, 2)}\n`);
  }
  console.log(`wrote ${keyFile} (${algorithm}, kid ${kid})`);
  console.log(JSON.stringify(entry));
}

async function main([command, ...args]) {
  if (command === 'status') return status(args[0]);
  if (command === 'generate') return generate(args);
  throw new Error(USAGE);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`keys: ${error.message}`);
  process.exitCode = 1;
});
