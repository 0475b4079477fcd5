import type { RedisClient } from './redis-client';

export interface ScriptSpec<In, Out> {
  /** Unique per Redis client. */
  readonly name: string;
  /** Touches only the keys it is given (KEYS), never a key name it builds itself. */
  readonly lua: string;
  /** Every key the script touches, all of one hash tag (`redisKeys`): one cluster slot. */
  readonly keys: (input: In) => readonly string[];
  readonly args: (input: In) => ReadonlyArray<string | number>;
  readonly parse: (reply: unknown) => Out;
}

type RawScript = (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>;

/** The part of a key Redis Cluster hashes to pick its slot: the first non-empty `{…}`, else all of it. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/**
 * A Lua script as a typed function of named fields. ioredis sends EVALSHA and falls back to EVAL
 * once, so a call is one round trip; the script runs atomically inside Redis. On a cluster it
 * runs on the node owning its keys' slot, so keys of two hash tags are refused here, on every
 * deployment, rather than by a cluster in production (CROSSSLOT).
 */
export function defineScript<In, Out>(redis: RedisClient, spec: ScriptSpec<In, Out>): (input: In) => Promise<Out> {
  const command = `gatehouse_${spec.name}`;
  const commands = redis as unknown as Record<string, RawScript | undefined>;
  if (!commands[command]) redis.defineCommand(command, { lua: spec.lua });
  const raw = commands[command]!.bind(redis);
  return async (input) => {
    const keys = spec.keys(input);
    const tag = hashTag(keys[0] ?? '');
    if (keys.some((key) => hashTag(key) !== tag)) throw new Error(`Script ${spec.name} got keys of more than one hash tag: ${keys.join(', ')}`);
    return spec.parse(await raw(keys.length, ...keys, ...spec.args(input)));
  };
}

/**
 * A fixed-window counter as a Lua function, for scripts that must count a hit in the same atomic
 * step as the work it limits. Returns 0 when the hit is allowed, else the window's remaining ms.
 */
export const FIXED_WINDOW_LUA = `
local function fixed_window_hit(key, limit, window_ms)
  local hits = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then redis.call('PEXPIRE', key, window_ms); ttl = window_ms end
  if hits > limit then return math.max(ttl, 1) end
  return 0
end
`;

/** Redis's own clock in ms: one clock for every replica, so fences compare across processes. */
export const REDIS_NOW_LUA = `
local function redis_now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;
