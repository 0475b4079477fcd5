/**
 * The machine's PostgreSQL and Redis as the bench uses them: bench-only databases, a bench key
 * prefix, and Redis command accounting for the refresh round-trip check.
 */
const { Client } = require('pg');
const Redis = require('ioredis');

async function dropDatabases(adminUrl, names) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function deleteKeys(redisUrl, prefix) {
  const redis = new Redis(redisUrl);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** `INFO commandstats` as { command: calls }. Commands run inside Lua scripts are counted too. */
async function commandStats(redis) {
  const stats = {};
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = line.match(/^cmdstat_([^:]+):calls=(\d+)/);
    if (m) stats[m[1]] = Number(m[2]);
  }
  return stats;
}

function diffStats(before, after) {
  const diff = {};
  for (const [cmd, calls] of Object.entries(after)) {
    const d = calls - (before[cmd] ?? 0);
    if (d > 0) diff[cmd] = d;
  }
  return diff;
}

/**
 * Counts what clients send (not what scripts run) via MONITOR, keeping only commands that touch
 * the bench prefix, so other users of a shared Redis do not count.
 */
async function monitorClientCommands(redisUrl, prefix) {
  const redis = new Redis(redisUrl);
  const monitor = await redis.monitor();
  const counts = { fromClients: {}, fromScripts: {} };
  monitor.on('monitor', (_time, args, source) => {
    if (!args.some((a) => String(a).startsWith(prefix))) return;
    const bucket = source === 'lua' ? counts.fromScripts : counts.fromClients;
    const cmd = String(args[0]).toLowerCase();
    bucket[cmd] = (bucket[cmd] ?? 0) + 1;
  });
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 300));
      monitor.disconnect();
      redis.disconnect();
      return counts;
    },
  };
}

module.exports = { dropDatabases, deleteKeys, commandStats, diffStats, monitorClientCommands };
