/**
 * Lua for the session store. A user's sessions live in one hash (`redisKeys.sessions`), so every
 * script touches one user's keys only and runs atomically; revoking all of them deletes the hash
 * (or, when one session is kept, its siblings' fields).
 * The hash is laid out to stay a Redis listpack (every value ≤ 64 bytes, Redis's default
 * `hash-max-listpack-value`): a listpack costs a few bytes per field where a hashtable costs
 * ~50, which is most of what a session costs. It also needs at most 128 fields
 * (`hash-max-listpack-entries`): about 4 plus 2 per session, so a user with more than ~60
 * sessions (SESSIONS_PER_USER_LIMIT allows 100) costs the hashtable price. Numbers are base 36, ms on the service clock.
 *
 *   e, e2, …     email, in 64-byte chunks     n, n2, …  name, chunked likewise (absent: null)
 *   r            roles, comma-separated       v         emailVerified, 1 or 0
 *   f            fence: revoke-all time in ms on Redis's clock (decimal, as `notBefore` is)
 *   s<id>        generation|rotatedAt|idleUntil|expiresAt|windowStart|refreshes|amr
 *                (generation `-` once reused, until the reuse is announced)
 *   m<id>        createdAt|device label, for the sessions list
 *
 * `<id>` is the session id as 22 characters of base64url. The refreshes of the session's
 * current rate window ride in its `s` field, which a rotation rewrites anyway: no second key.
 * Reuse detection needs nothing per refresh beyond rewriting that one field, so a failed
 * announcement is retried by the next presentation instead of being lost.
 */
import { MIGRATE_LEGACY_LUA } from './session-legacy.scripts';
import { REDIS_NOW_LUA } from './redis-script';

const SESSION_LUA = `
local CHUNK = 64
local DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz'
local function b36(n)
  n = math.floor(n)
  if n <= 0 then return '0' end
  local out = ''
  while n > 0 do
    local d = n % 36
    out = string.sub(DIGITS, d + 1, d + 1) .. out
    n = math.floor(n / 36)
  end
  return out
end
-- The session id of an s<id> or m<id> field, else nil.
local function session_of(field, kind)
  if #field == 23 and string.sub(field, 1, 1) == kind then return string.sub(field, 2) end
  return nil
end
local function read_state(raw)
  if not raw then return nil end
  local gen, rotated, idle, expires, window, hits, amr =
    string.match(raw, '^([%w%-]+)|(%w+)|(%w+)|(%w+)|(%w+)|(%w+)|([%w,]*)$')
  if not gen then return nil end
  return {
    gen = gen == '-' and -1 or tonumber(gen, 36), rotated = tonumber(rotated, 36),
    idle = tonumber(idle, 36), expires = tonumber(expires, 36),
    window = tonumber(window, 36), hits = tonumber(hits, 36), amr = amr,
  }
end
local function write_state(key, field, s)
  redis.call('HSET', key, field, table.concat({ s.gen < 0 and '-' or b36(s.gen), b36(s.rotated), b36(s.idle),
    b36(s.expires), b36(s.window), b36(s.hits), s.amr }, '|'))
end
-- Text of any length as 64-byte chunks (name, name2, …), so no value turns the hash into a hashtable.
local function write_text(key, name, value)
  local n = 1
  if value then
    local i = 1
    repeat
      redis.call('HSET', key, n == 1 and name or name .. n, string.sub(value, i, i + CHUNK - 1))
      i, n = i + CHUNK, n + 1
    until i > #value
  end
  while redis.call('HDEL', key, n == 1 and name or name .. n) == 1 do n = n + 1 end
end
local function read_text(key, name, first)
  local value, n = first, 2
  while value and #value == CHUNK * (n - 1) do
    local part = redis.call('HGET', key, name .. n)
    if not part then break end
    value, n = value .. part, n + 1
  end
  return value
end
local function read_claims(key)
  local e, n, r, v = unpack(redis.call('HMGET', key, 'e', 'n', 'r', 'v'))
  if not e then return nil end
  return { email = read_text(key, 'e', e), name = n and read_text(key, 'n', n) or nil, roles = r or '', verified = v or '0' }
end
-- outcome, generation, idleUntil, amr, roles, emailVerified, email[, name]: the name last, as absent is nil.
local function session_reply(outcome, s, c)
  return { outcome, string.format('%d', s.gen), string.format('%d', s.idle), s.amr, c.roles, c.verified, c.email, c.name }
end
-- The hash lives as long as its longest-lived session.
local function keep_until(key, now, until_ms)
  if redis.call('PTTL', key) < until_ms - now then redis.call('PEXPIRE', key, until_ms - now) end
end
${MIGRATE_LEGACY_LUA}`;

/**
 * KEYS: sessions, legacy sessions. ARGV: session id, now, idle ms, max age ms, notBefore (Redis
 * ms), max sessions per user, amr, device label, roles, emailVerified, email[, name].
 * Returns {'fenced'} when the user's sessions were revoked at or after `notBefore` (the credential
 * read may predate a deletion or password change), else {'created', idleUntil}. Expired sessions
 * are dropped here, and past the cap the session closest to its end goes, so the hash stays bounded.
 */
export const CREATE_SESSION = `${SESSION_LUA}
migrate_legacy(KEYS[1], KEYS[2])
local fence = tonumber(redis.call('HGET', KEYS[1], 'f') or '-1')
if fence >= tonumber(ARGV[5]) then return {'fenced'} end
local now, idle_ms, max_age = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local live, oldest, oldest_end = 0, nil, nil
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local id = session_of(fields[i], 's')
  if id then
    local s = read_state(fields[i + 1])
    if not s or now >= s.idle or now >= s.expires then
      redis.call('HDEL', KEYS[1], 's' .. id, 'm' .. id)
    else
      live = live + 1
      if oldest_end == nil or s.expires < oldest_end then oldest, oldest_end = id, s.expires end
    end
  end
end
if live >= tonumber(ARGV[6]) then redis.call('HDEL', KEYS[1], 's' .. oldest, 'm' .. oldest) end
local expires_at = now + max_age
local idle_until = math.min(now + idle_ms, expires_at)
write_text(KEYS[1], 'e', ARGV[11])
write_text(KEYS[1], 'n', ARGV[12])
redis.call('HSET', KEYS[1], 'r', ARGV[9], 'v', ARGV[10], 'm' .. ARGV[1], b36(now) .. '|' .. ARGV[8])
write_state(KEYS[1], 's' .. ARGV[1], { gen = 0, rotated = 0, idle = idle_until, expires = expires_at, window = 0, hits = 0, amr = ARGV[7] })
keep_until(KEYS[1], now, idle_until)
return {'created', string.format('%d', idle_until)}
`;

/**
 * KEYS: sessions, legacy sessions. ARGV: session id, presented generation, now, grace ms, idle ms,
 * refresh limit, refresh window ms.
 * Returns {'rotated', …} | {'reused', …} (see session_reply) | {'limited', retryAfterMs} | {'invalid'}.
 * - the current generation rotates;
 * - the immediate parent within the grace window gets the same successor back, never a new one;
 * - the generation after the stored one can only be ours, its rotation lost in a Redis failover:
 *   it rotates as the current one (its successor is the same value either way);
 * - any older generation is reuse: the session is marked reused until the use case has
 *   announced it and ended it.
 * Every answer that signs an access token counts against the session's limit (a fixed window
 * from its first refresh), here so that counting and deciding are one step.
 */
export const ROTATE = `${SESSION_LUA}
migrate_legacy(KEYS[1], KEYS[2])
local field = 's' .. ARGV[1]
local s = read_state(redis.call('HGET', KEYS[1], field))
local claims = read_claims(KEYS[1])
if not s or not claims then return {'invalid'} end
local presented, now = tonumber(ARGV[2]), tonumber(ARGV[3])
if now >= s.idle or now >= s.expires then
  redis.call('HDEL', KEYS[1], field, 'm' .. ARGV[1])
  return {'invalid'}
end
if s.gen < 0 then return session_reply('reused', s, claims) end
local same_successor = presented == s.gen - 1 and now - s.rotated < tonumber(ARGV[4])
if presented < s.gen and not same_successor then
  s.gen = -1
  write_state(KEYS[1], field, s)
  return session_reply('reused', s, claims)
end
if presented > s.gen + 1 then return {'invalid'} end
local window_ms = tonumber(ARGV[7])
if now - s.window >= window_ms then s.window, s.hits = now, 0 end
if s.hits >= tonumber(ARGV[6]) then return {'limited', string.format('%d', math.max(s.window + window_ms - now, 1))} end
s.hits = s.hits + 1
if not same_successor then
  s.gen, s.rotated = presented + 1, now
  s.idle = math.min(now + tonumber(ARGV[5]), s.expires)
end
write_state(KEYS[1], field, s)
keep_until(KEYS[1], now, s.idle)
return session_reply('rotated', s, claims)
`;

/** KEYS: sessions, legacy sessions. ARGV: session id. Returns 1 when the session was live and is now gone. */
export const REVOKE_SESSION = `${SESSION_LUA}
migrate_legacy(KEYS[1], KEYS[2])
local ended = redis.call('HDEL', KEYS[1], 's' .. ARGV[1])
redis.call('HDEL', KEYS[1], 'm' .. ARGV[1])
return ended
`;

/**
 * KEYS: sessions, legacy sessions. ARGV: fence ms, the session to keep ('' for none). Ends every
 * other session of the user and sets the fence to Redis's now, so a login whose credential read
 * came before this cannot open a session after it. Returns the ended session ids.
 */
export const REVOKE_ALL = `${SESSION_LUA}${REDIS_NOW_LUA}
migrate_legacy(KEYS[1], KEYS[2])
local ended = {}
if ARGV[2] == '' then
  -- With no session left, the claims (personal data) go too.
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    local id = session_of(field, 's')
    if id then table.insert(ended, id) end
  end
  redis.call('DEL', KEYS[1])
else
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    local id = session_of(field, 's') or session_of(field, 'm')
    if id and id ~= ARGV[2] then
      redis.call('HDEL', KEYS[1], field)
      if session_of(field, 's') then table.insert(ended, id) end
    end
  end
end
redis.call('HSET', KEYS[1], 'f', string.format('%d', redis_now_ms()))
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return ended
`;

/** KEYS: sessions, legacy sessions. Sets emailVerified in the user's claims, so the next refresh signs the fact. */
export const MARK_EMAIL_VERIFIED = `${SESSION_LUA}
migrate_legacy(KEYS[1], KEYS[2])
if redis.call('HEXISTS', KEYS[1], 'e') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'v', '1')
return 1
`;

/** KEYS: sessions, legacy sessions. ARGV: session id. Returns 1 when the session is stored. */
export const SESSION_EXISTS = `${SESSION_LUA}
migrate_legacy(KEYS[1], KEYS[2])
return redis.call('HEXISTS', KEYS[1], 's' .. ARGV[1])
`;

/** KEYS: sessions, legacy sessions. Returns every field of the hash (HGETALL). */
export const LIST_SESSIONS = `${SESSION_LUA}
migrate_legacy(KEYS[1], KEYS[2])
return redis.call('HGETALL', KEYS[1])
`;
