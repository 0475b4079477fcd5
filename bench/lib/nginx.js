/**
 * nginx `proxy_pass` with upstream keep-alive: the reference a Node gateway is compared with
 * (Debian package `nginx-light`). The bench starts it in the foreground with a generated config
 * in a temp dir, one worker like the one gateway process, and stops it by its own handle.
 */
const { execFileSync, spawn } = require('node:child_process');
const { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { URL } = require('node:url');
const { freePort, sleep } = require('./processes');

/** The path of the nginx binary, or undefined when it is not installed. */
function findNginx() {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${candidate}`], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/**
 * What a production edge would run: HTTP/1.1 with pooled keep-alive connections upstream, and an
 * access log written through a buffer, as the gateway writes one line per request.
 */
function config({ dir, port, upstream }) {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log combined buffer=64k flush=1s;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000;
  upstream user {
    server ${upstream};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://user;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
}

function connects(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The worker's pid (the master only forks it), for CPU accounting; undefined if /proc cannot tell. */
function workerPid(masterPid) {
  try {
    const children = readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.length === 1 ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts nginx in front of `upstreamUrl`. Resolves with `{ name, url, child, cpuPid, stop() }`, or
 * with `{ skipped }` saying why when nginx is not installed.
 */
async function startNginx({ upstreamUrl, binary = findNginx() }) {
  if (!binary) return { skipped: 'nginx is not installed (Debian package nginx-light)' };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-nginx-'));
  // Run as root, nginx hands the worker to an unprivileged user, which must reach its temp paths.
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(path.join(dir, 'nginx.conf'), config({ dir, port, upstream: new URL(upstreamUrl).host }));
  const child = spawn(binary, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const stop = () =>
    new Promise((resolve) => {
      const done = () => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(force);
        done();
      });
      child.kill('SIGQUIT');
    });
  const deadline = Date.now() + 10_000;
  while (!(await connects(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = (() => {
        try {
          return readFileSync(path.join(dir, 'error.log'), 'utf8');
        } catch {
          return '';
        }
      })();
      await stop();
      return { skipped: `nginx did not start: ${(stderr + log).trim().slice(-500)}` };
    }
    await sleep(50);
  }
  return { name: 'nginx', url: `http://127.0.0.1:${port}`, child, cpuPid: workerPid(child.pid) ?? child.pid, stop };
}

module.exports = { findNginx, startNginx };
