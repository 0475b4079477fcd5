/**
 * PostgreSQL, Redis and RabbitMQ for `npm start`, found the way the test harness finds them: the
 * servers the environment (or the services' defaults) name when they answer, else containers
 * started with Testcontainers when Docker runs, else one message saying what to start.
 */
/* global URL -- Node built-in */
const { spawnSync } = require('node:child_process');
const { COMPOSE_COMMAND, HOW_TO_START, SERVICE_KINDS, SERVICE_LABELS, isReachable, startContainer } = require('@gatehouse/testing/local-services');

/** Thrown with a message meant for a person: `npm start` prints it alone, never a stack trace. */
class InfrastructureMissing extends Error {}

/** The same server, another database: the one every PostgreSQL has, as ensureDatabase uses. */
function withDatabase(url, name) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function redact(url) {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** Where the services will look, from the environment or their own defaults. */
function expectedUrls(env) {
  return {
    postgres: withDatabase(env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', 'postgres'),
    redis: env.REDIS_URL || 'redis://127.0.0.1:6379',
    amqp: env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
  };
}

async function silentKinds(urls) {
  const answers = await Promise.all(SERVICE_KINDS.map((kind) => isReachable[kind](urls[kind])));
  return SERVICE_KINDS.filter((_kind, i) => !answers[i]);
}

/** `docker info` reaches a running engine (the CLI alone is not enough). */
function dockerRuns() {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

function missingMessage(missing, urls, reason, databases) {
  return [
    'npm start needs PostgreSQL, Redis and RabbitMQ. Not answering:',
    ...missing.map((kind) => `  - ${SERVICE_LABELS[kind]} at ${redact(urls[kind])}`),
    `${reason} Start them, then run npm start again:`,
    ...missing.map((kind) => `  ${HOW_TO_START[kind]}`),
    'or, with Docker:',
    `  ${COMPOSE_COMMAND}`,
    'or point them (in .env) at servers that run:',
    '  REDIS_URL=redis://host:port and AMQP_URL=amqp://user:password@host:port name the servers;',
    '  DATABASE_URL=postgres://user:password@host:port/any names the PostgreSQL server: npm start replaces the',
    `  database in it with each service's own (${databases.join(', ')}), created at start when missing`,
    '  (the role needs CREATEDB for that).',
  ].join('\n');
}

async function startContainers(missing, urls, log, databases) {
  log(`Not answering: ${missing.map((kind) => SERVICE_LABELS[kind]).join(', ')}. Starting them with Testcontainers (Docker)...`);
  const started = {};
  try {
    for (const kind of missing) started[kind] = await startContainer(kind);
  } catch (error) {
    await Promise.allSettled(Object.values(started).map((container) => container.stop()));
    const reason = `Docker runs, but a container did not start (${String(error.message).split('\n')[0]}).`;
    throw new InfrastructureMissing(missingMessage(missing, urls, reason, databases));
  }
  for (const kind of missing) log(`${SERVICE_LABELS[kind]} runs in a container at ${redact(started[kind].url)}; it stops with npm start.`);
  return started;
}

/**
 * Resolves with what to tell the processes: `env` for all of them, `databaseServer` (a container's
 * PostgreSQL, on which each service gets its own database), and `stop` for the containers.
 * `databases` are the services' own, named when it fails.
 */
async function ensureInfrastructure(env, log, databases) {
  const urls = expectedUrls(env);
  const missing = await silentKinds(urls);
  if (missing.length === 0) return { env: {}, databaseServer: undefined, stop: async () => undefined };
  if (!dockerRuns()) {
    throw new InfrastructureMissing(
      missingMessage(missing, urls, 'Docker is not running (`docker info` failed), so they cannot be started for you.', databases),
    );
  }
  const started = await startContainers(missing, urls, log, databases);
  return {
    env: { ...(started.redis ? { REDIS_URL: started.redis.url } : {}), ...(started.amqp ? { AMQP_URL: started.amqp.url } : {}) },
    databaseServer: started.postgres?.url,
    stop: async () => void (await Promise.allSettled(Object.values(started).map((container) => container.stop()))),
  };
}

module.exports = { ensureInfrastructure, withDatabase, InfrastructureMissing };
