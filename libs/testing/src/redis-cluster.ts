import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';

/** A Redis Cluster of masters only, on loopback, started for one test file. */
export interface RedisCluster {
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  /** `host:port,…`, as REDIS_CLUSTER_NODES takes it. */
  readonly nodeList: string;
  /** Stops every node and deletes its files. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
/** Redis Cluster's node-to-node bus listens on the client port plus this. */
const BUS_PORT_OFFSET = 10_000;
const SLOTS = 16_384;
/** A node that stops answering is failed over after this; short, as nothing here is far away. */
const NODE_TIMEOUT_MS = 2000;
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 3000;
const INSTALL =
  'Install them (Debian: `apt-get install redis-server`, which brings `redis-cli` in redis-tools) or put them on PATH. ' +
  'These tests never skip: the cluster mode must be tested wherever the suite runs.';

const run = promisify(execFile);

async function requireBinary(name: string): Promise<void> {
  try {
    await run(name, ['--version']);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      `The Redis Cluster tests start their own cluster from the local redis-server and redis-cli, and ${name} ${missing ? 'is not on PATH' : 'does not run'}. ${INSTALL}`,
      { cause: error },
    );
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** Ports whose bus port (+10000) is free too, apart from each other's. */
async function sparePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries++) {
    if (tries > 500) throw new Error('No spare port pairs (port and port + 10000) for a Redis Cluster on 127.0.0.1');
    const port = 20_000 + Math.floor(Math.random() * 35_000);
    const clashes = ports.some((taken) => [taken, taken + BUS_PORT_OFFSET, taken - BUS_PORT_OFFSET].includes(port));
    if (!clashes && (await portFree(port)) && (await portFree(port + BUS_PORT_OFFSET))) ports.push(port);
  }
  return ports;
}

/** One command on a fresh connection to one node, or undefined while it does not answer. */
async function ask(port: number, command: string, ...args: string[]): Promise<string | undefined> {
  const client = new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return String(await client.call(command, ...args));
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, nodes: readonly ClusterNode[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await check())) {
    const dead = nodes.find((node) => node.process.exitCode !== null || node.process.signalCode !== null);
    if (dead) throw new Error(`redis-server on port ${dead.port} exited while waiting for ${what}:\n${dead.output()}`);
    if (Date.now() > deadline)
      throw new Error(`Redis Cluster: ${what} within ${READY_TIMEOUT_MS} ms did not happen:\n${nodes.map((n) => n.output()).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface ClusterNode {
  readonly port: number;
  readonly process: ChildProcess;
  output(): string;
}

function startNode(port: number, dir: string): ClusterNode {
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', HOST, '--dir', dir, '--daemonize', 'no'],
      ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', String(NODE_TIMEOUT_MS)],
      ...['--save', '', '--appendonly', 'no', '--loglevel', 'warning', '--logfile', ''],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { port, process: child, output: () => `[redis-server :${port}] ${output.trim() || '(no output)'}` };
}

async function stopNode(node: ClusterNode): Promise<void> {
  if (node.process.exitCode !== null || node.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => node.process.once('exit', () => resolve()));
  node.process.kill('SIGTERM');
  const timer = setTimeout(() => node.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

const clusterReady = (nodes: readonly ClusterNode[]) => async () => {
  const infos = await Promise.all(nodes.map((node) => ask(node.port, 'CLUSTER', 'INFO')));
  return infos.every(
    (info) =>
      info !== undefined &&
      info.includes('cluster_state:ok') &&
      info.includes(`cluster_slots_ok:${SLOTS}`) &&
      info.includes(`cluster_known_nodes:${nodes.length}`),
  );
};

/**
 * Starts `masters` redis-server processes in cluster mode on spare loopback ports (no Docker),
 * joins them with `redis-cli --cluster create` (slots split evenly, no replicas) and waits until
 * every node sees the whole cluster as ok. Fails, never skips, when the binaries are missing.
 * Call `stop()` in `afterAll`; the nodes are killed if the test process exits first.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  await requireBinary('redis-server');
  await requireBinary('redis-cli');
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-redis-cluster-'));
  const nodes: ClusterNode[] = [];
  const killAll = () => nodes.forEach((node) => node.process.kill('SIGKILL'));
  process.once('exit', killAll);
  const stop = async () => {
    process.removeListener('exit', killAll);
    await Promise.all(nodes.map(stopNode));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of await sparePorts(masters)) nodes.push(startNode(port, dir));
    await waitFor(
      'every node to answer',
      async () => (await Promise.all(nodes.map((node) => ask(node.port, 'PING')))).every((reply) => reply === 'PONG'),
      nodes,
    );
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `${HOST}:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: READY_TIMEOUT_MS,
    }).catch((error: unknown) => {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`redis-cli --cluster create failed:\n${stdout ?? ''}${stderr ?? ''}\n${nodes.map((n) => n.output()).join('\n')}`, { cause: error });
    });
    await waitFor('every node to see the whole cluster ok', clusterReady(nodes), nodes);
  } catch (error) {
    await stop();
    throw error;
  }
  const addresses = nodes.map((node) => ({ host: HOST, port: node.port }));
  return { nodes: addresses, nodeList: addresses.map(({ host, port }) => `${host}:${port}`).join(','), stop };
}
