#!/usr/bin/env node
/**
 * `npm start`: boots every Gatehouse process for local development against the machine's
 * PostgreSQL, Redis and RabbitMQ, prefixes their logs, and stops them all on Ctrl-C (or when
 * one of them dies, so a broken boot is never half-up).
 */
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// Plain HTTP on localhost: cookies without `Secure` and prefixes (production keeps them).
const dev = { NODE_ENV: 'development', COOKIE_SECURE: 'false', ...process.env };
// The gateway also serves the browser SDK's reference page, unless EXAMPLE_APP=false.
const exampleApp = process.env.EXAMPLE_APP || 'true';

const processes = [
  // bcrypt runs on the libuv pool: size it to the cores so logins use all of them.
  { name: 'auth', entry: 'services/auth/dist/main.js', env: { TRUST_PROXY_HOPS: '1', UV_THREADPOOL_SIZE: String(availableParallelism()) } },
  { name: 'user', entry: 'services/user/dist/main.js', env: { TRUST_PROXY_HOPS: '1' } },
  { name: 'notification', entry: 'services/notification/dist/main.js', env: {} },
  { name: 'gateway', entry: 'gateway/dist/main.js', env: { EXAMPLE_APP: exampleApp } },
].filter((p) => existsSync(path.join(root, p.entry)));

const width = Math.max(...processes.map((p) => p.name.length));
const children = new Map();
let stopping = false;

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
  const wait = () => (children.size === 0 ? process.exit(code) : setTimeout(wait, 50));
  wait();
}

for (const p of processes) {
  const child = spawn(process.execPath, [p.entry], { cwd: root, env: { ...dev, ...p.env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

if (children.has('gateway') && ['true', '1'].includes(exampleApp)) {
  process.stdout.write('Example app (browser SDK): http://localhost:8080/example/\n');
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
