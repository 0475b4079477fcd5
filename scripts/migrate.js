#!/usr/bin/env node
/**
 * `npm run migrate [-- auth user notification]`: runs each service's migrate-only entrypoint
 * (`dist/migrate.js`) in turn, as the Kubernetes Job does, for services started with
 * MIGRATE_ON_BOOT=false. Stops at the first failure with its exit code.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { loadDotEnv, root } = require('./lib/dot-env');

const SERVICES = ['auth', 'user', 'notification'];
const USAGE = `usage: npm run migrate [-- ${SERVICES.join('|')} ...]`;

function chosenServices(args) {
  const unknown = args.filter((name) => !SERVICES.includes(name));
  if (unknown.length > 0) throw new Error(`unknown service ${unknown.join(', ')}\n${USAGE}`);
  const chosen = args.length > 0 ? args : SERVICES;
  // Each service has a database of its own; one DATABASE_URL would migrate them all into one.
  if (process.env.DATABASE_URL && chosen.length > 1) throw new Error(`DATABASE_URL names one database: migrate one service at a time.\n${USAGE}`);
  return chosen;
}

function main() {
  loadDotEnv();
  for (const name of chosenServices(process.argv.slice(2))) {
    const entry = path.join(root, 'services', name, 'dist', 'migrate.js');
    const { status } = spawnSync(process.execPath, [entry], { cwd: root, env: process.env, stdio: 'inherit' });
    if (status !== 0) return status ?? 1;
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
