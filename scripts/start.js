#!/usr/bin/env node
/**
 * `npm start`: boots every Gatehouse process for local development, prefixes their logs, and
 * stops them all on Ctrl-C (or when one of them dies, so a broken boot is never half-up).
 * PostgreSQL, Redis and RabbitMQ are the machine's when they answer, else containers when
 * Docker runs, else it stops with one message saying what to start.
 */
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { loadDotEnv, root } = require('./lib/dot-env');
const { ensureInfrastructure, InfrastructureMissing } = require('./lib/local-infrastructure');
const { PROCESSES: ALL_PROCESSES, environmentOf, exampleApp } = require('./lib/processes');

const PROCESSES = ALL_PROCESSES.filter((p) => existsSync(path.join(root, p.entry)));

const width = Math.max(...PROCESSES.map((p) => p.name.length));
const children = new Map();
let stopping = false;
let stopInfrastructure = async () => undefined;

const say = (line) => process.stdout.write(`${line}\n`);

function prefixLines(name, stream, out) {
  let buffered = '';
  stream.on('data', (chunk) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const line of lines) out.write(`${name.padEnd(width)} | ${line}\n`);
  });
}

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(code || 1);
  }, 15_000);
  force.unref();
  const wait = () => (children.size === 0 ? stopInfrastructure().finally(() => process.exit(code)) : setTimeout(wait, 50));
  wait();
}

function spawnProcess(p, infrastructure) {
  const child = spawn(process.execPath, [p.entry], { cwd: root, env: environmentOf(p, infrastructure, process.env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(p.name, child);
  prefixLines(p.name, child.stdout, process.stdout);
  prefixLines(p.name, child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    children.delete(p.name);
    if (!stopping) {
      process.stderr.write(`${p.name.padEnd(width)} | exited (${signal ?? code}); stopping everything\n`);
      stopAll(code || 1);
    }
  });
}

async function main() {
  const dotEnv = loadDotEnv();
  if (dotEnv) say(`Loaded ${dotEnv}`);
  const databases = ALL_PROCESSES.flatMap((p) => p.database ?? []);
  const infrastructure = await ensureInfrastructure(process.env, say, databases);
  stopInfrastructure = infrastructure.stop;
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
  if (process.env.DATABASE_URL && !infrastructure.databaseServer) {
    say(`DATABASE_URL names the PostgreSQL server: each service uses its own database there (${databases.join(', ')}).`);
  }
  for (const p of PROCESSES) spawnProcess(p, infrastructure);
  say(`Health and metrics (/healthz, /readyz, /metrics): ${PROCESSES.map((p) => `${p.name} http://localhost:${p.env.MANAGEMENT_PORT}`).join(', ')}`);
  if (children.has('gateway') && ['true', '1'].includes(exampleApp(process.env))) {
    say('Example app (browser SDK): http://localhost:8080/example/');
  }
}

main().catch((error) => {
  process.stderr.write(error instanceof InfrastructureMissing ? `${error.message}\n` : `npm start failed: ${error.message}\n`);
  process.exit(1);
});
