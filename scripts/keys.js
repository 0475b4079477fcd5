#!/usr/bin/env node
/**
 * `npm run keys -- status [manifest]`: where each key of the signing-key manifest stands now.
 * `npm run keys -- generate <dir> [manifest]`: a new RSA key in <dir>, activating once verifiers
 * can have fetched it; appended to the manifest when one is given.
 * Timings come from the auth service's environment variables, with its defaults.
 */
const { generateKeyPairSync } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { authConfigSchema } = require('../services/auth/dist/config');
const { keyTimings } = require('../services/auth/dist/crypto/key-ring');
const { loadKeyManifest, parseKeyManifest } = require('../services/auth/dist/crypto/key-manifest');
const { keyStatus } = require('../services/auth/dist/crypto/key-status');
const { signingKeyFromPem } = require('../services/auth/dist/crypto/signing-keys');

// Past the lead, so a rollout a few minutes late still publishes the key before it signs.
const ACTIVATION_MARGIN_MS = 10 * 60_000;
const USAGE = 'usage: npm run keys -- status [manifest] | generate <dir> [manifest]';

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
    console.log(`${row.kid}  ${row.state.padEnd(7)}  published ${instant(row.publishedFrom)} → ${instant(row.publishedUntil)}  signing ${instant(row.signingFrom)} → ${instant(row.signingUntil)}`);
  }
  for (const warning of warnings) console.log(`warning: ${warning}`);
}

function generate(dir, manifestFile) {
  if (!dir) throw new Error(USAGE);
  const { leadMs } = settings();
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
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
  console.log(`wrote ${keyFile} (kid ${kid})`);
  console.log(JSON.stringify(entry));
}

async function main([command, ...args]) {
  if (command === 'status') return status(args[0]);
  if (command === 'generate') return generate(args[0], args[1]);
  throw new Error(USAGE);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`keys: ${error.message}`);
  process.exitCode = 1;
});
