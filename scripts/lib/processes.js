/** The processes `npm start` runs, and the environment each one gets. */
const { availableParallelism } = require('node:os');
const { withDatabase } = require('./local-infrastructure');

/**
 * Each process gets its own management port (health and metrics), since all share localhost.
 * `database` is the service's own database on whichever PostgreSQL server is used.
 */
const PROCESSES = [
  // bcrypt runs on the libuv pool: size it to the cores so logins use all of them.
  {
    name: 'auth',
    entry: 'services/auth/dist/main.js',
    database: 'gatehouse_auth',
    env: { MANAGEMENT_PORT: '9090', TRUST_PROXY_HOPS: '1', UV_THREADPOOL_SIZE: String(availableParallelism()) },
  },
  { name: 'user', entry: 'services/user/dist/main.js', database: 'gatehouse_user', env: { MANAGEMENT_PORT: '9091', TRUST_PROXY_HOPS: '1' } },
  { name: 'notification', entry: 'services/notification/dist/main.js', database: 'gatehouse_notification', env: { MANAGEMENT_PORT: '9092' } },
  { name: 'gateway', entry: 'gateway/dist/main.js', env: { MANAGEMENT_PORT: '9093' } },
];

/** The gateway also serves the browser SDK's reference page, unless EXAMPLE_APP=false. */
const exampleApp = (env) => env.EXAMPLE_APP || 'true';

/**
 * The environment of one process: development defaults, the machine's, then what it needs alone.
 * A DATABASE_URL (or a container's PostgreSQL) names the server only: each service gets its own
 * database there, since in one shared database their migrations and tables collide.
 */
function environmentOf(p, infrastructure, env) {
  // Plain HTTP on localhost: cookies without `Secure` and prefixes (production keeps them).
  const dev = { NODE_ENV: 'development', COOKIE_SECURE: 'false', ...env, ...infrastructure.env };
  const example = p.name === 'gateway' ? { EXAMPLE_APP: exampleApp(env) } : {};
  const server = infrastructure.databaseServer || env.DATABASE_URL;
  const database = server && p.database ? { DATABASE_URL: withDatabase(server, p.database) } : {};
  return { ...dev, ...example, ...database, ...p.env };
}

module.exports = { PROCESSES, environmentOf, exampleApp };
