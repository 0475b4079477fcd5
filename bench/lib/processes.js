/**
 * Spawns Gatehouse processes as children of the bench (never in-process with the load), waits
 * for /readyz, and stops them by their own handles.
 */
/* global fetch -- Node 20 built-in (undici) */
const { spawn } = require('node:child_process');
const { createWriteStream } = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitReady(managementUrl, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.benchName} exited (${child.exitCode}) before ready; see ${child.logFile}`);
    try {
      const res = await fetch(`${managementUrl}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(150);
  }
  throw new Error(`${child.benchName} not ready after ${timeoutMs} ms; see ${child.logFile}`);
}

/** Starts `entry` with `env` on fresh API and management ports; resolves once /readyz answers 200. */
async function startService({ name, entry, env, logDir, nodeArgs = [] }) {
  const port = await freePort();
  const managementPort = await freePort();
  const logFile = path.join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), MANAGEMENT_PORT: String(managementPort), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  Object.assign(child, { benchName: name, logFile });
  const url = `http://127.0.0.1:${port}`;
  const managementUrl = `http://127.0.0.1:${managementPort}`;
  try {
    await waitReady(managementUrl, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { name, url, managementUrl, port, child };
}

/** SIGTERM by handle; SIGKILL after a grace period. */
function stopService(service, graceMs = 8000) {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

module.exports = { root, freePort, sleep, startService, stopService };
