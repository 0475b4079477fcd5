/**
 * The machine's services as the separate benches start them (scale, soak, algorithms, refresh A/B):
 * addresses, and auth's environment with every limit out of the way of the load.
 */
const PG = 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = 'redis://127.0.0.1:6379';
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const UNLIMITED = '1000000000';

/** Auth in development mode against `database`, with `prefix` in Redis and no limit in the way. */
function authEnv({ database, prefix, keysDir, bcryptCost = 4, sessionSecret, extra = {} }) {
  return {
    NODE_ENV: 'development',
    DATABASE_URL: `${PG}/${database}`,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    DEV_KEYS_DIR: keysDir,
    BCRYPT_COST: String(bcryptCost),
    COOKIE_SECURE: 'false',
    LOGIN_IP_LIMIT: UNLIMITED,
    LOGIN_FREE_ATTEMPTS: UNLIMITED,
    LOGIN_ACCOUNT_FAILURE_LIMIT: UNLIMITED,
    REFRESH_SESSION_LIMIT: UNLIMITED,
    REFRESH_INVALID_IP_LIMIT: UNLIMITED,
    SESSIONS_PER_USER_LIMIT: '1000',
    REGISTER_IP_LIMIT: UNLIMITED,
    TOKEN_IP_LIMIT: UNLIMITED,
    TOKEN_CLIENT_LIMIT: UNLIMITED,
    ...(sessionSecret ? { SESSION_SECRET: sessionSecret } : {}),
    ...extra,
  };
}

module.exports = { PG, REDIS_URL, AMQP_URL, UNLIMITED, authEnv };
