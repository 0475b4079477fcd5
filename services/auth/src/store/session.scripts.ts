/**
 * Lua for the session store. A user's sessions live in one hash (`redisKeys.sessions`), so every
 * script touches one user's keys only, runs atomically, and revoking all of them is one DEL.
 * A session field holds `generation|rotatedAt|idleUntil|expiresAt` (ms on the service clock):
 * reuse detection needs nothing per refresh beyond rewriting that one field. A session caught
 * in reuse becomes `reused|idleUntil|expiresAt` until its revocation has been announced, so a
 * failed announcement is retried by the next presentation instead of being lost. Beside it,
 * `m:<session>` holds what the owner sees in the sessions list and how the session signed in
 * (JSON, written once at login; rotation hands it back so every access token keeps its `amr`).
 */
import { FIXED_WINDOW_LUA, REDIS_NOW_LUA } from './redis-script';

const SESSION_FIELD_LUA = `
-- Returns generation (-1 once reused), rotatedAt, idleUntil, expiresAt.
local function read_session(raw)
  local gen, rotated_at, idle_until, expires_at = string.match(raw, '^(%d+)|(%d+)|(%d+)|(%d+)$')
  if gen then return tonumber(gen), tonumber(rotated_at), tonumber(idle_until), tonumber(expires_at) end
  idle_until, expires_at = string.match(raw, '^reused|(%d+)|(%d+)$')
  return -1, 0, tonumber(idle_until), tonumber(expires_at)
end
local function write_session(key, field, gen, rotated_at, idle_until, expires_at)
  redis.call('HSET', key, field, string.format('%d|%d|%d|%d', gen, rotated_at, idle_until, expires_at))
end
-- The hash lives as long as its longest-lived session.
local function keep_until(key, now, until_ms)
  if redis.call('PTTL', key) < until_ms - now then redis.call('PEXPIRE', key, until_ms - now) end
end
`;

/**
 * KEYS: sessions. ARGV: session id, claims JSON, now, idle ms, max age ms, notBefore (Redis ms),
 * max sessions per user, metadata JSON.
 * Returns {'fenced'} when the user's sessions were revoked at or after `notBefore` (the credential
 * read may predate a deletion or password change), else {'created', idleUntil}. Expired sessions
 * are dropped here, and past the cap the session closest to its end goes, so the hash stays bounded.
 */
export const CREATE_SESSION = `${SESSION_FIELD_LUA}
local fence = tonumber(redis.call('HGET', KEYS[1], 'fence') or '-1')
if fence >= tonumber(ARGV[6]) then return {'fenced'} end
local now, idle_ms, max_age = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local live, oldest_field, oldest_end = 0, nil, nil
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == 's:' then
    local _, _, idle_until, expires_at = read_session(fields[i + 1])
    if now >= idle_until or now >= expires_at then
      redis.call('HDEL', KEYS[1], fields[i], 'm:' .. string.sub(fields[i], 3))
    else
      live = live + 1
      if oldest_end == nil or expires_at < oldest_end then oldest_field, oldest_end = fields[i], expires_at end
    end
  end
end
if live >= tonumber(ARGV[7]) then redis.call('HDEL', KEYS[1], oldest_field, 'm:' .. string.sub(oldest_field, 3)) end
local expires_at = now + max_age
local idle_until = math.min(now + idle_ms, expires_at)
redis.call('HSET', KEYS[1], 'claims', ARGV[2])
write_session(KEYS[1], 's:' .. ARGV[1], 0, 0, idle_until, expires_at)
redis.call('HSET', KEYS[1], 'm:' .. ARGV[1], ARGV[8])
keep_until(KEYS[1], now, idle_until)
return {'created', string.format('%d', idle_until)}
`;

/**
 * KEYS: sessions, rotations. ARGV: session id, presented generation, now, grace ms, idle ms,
 * refresh limit, refresh window ms.
 * Returns {'rotated', generation, idleUntil, claims, meta} | {'limited', retryAfterMs} | {'reused', claims} | {'invalid'}.
 * - the current generation rotates;
 * - the immediate parent within the grace window gets the same successor back, never a new one;
 * - the generation after the stored one can only be ours, its rotation lost in a Redis failover:
 *   it rotates as the current one (its successor is the same value either way);
 * - any older generation is reuse: the session is marked reused until the use case has
 *   announced it and ended it.
 * Every answer that signs an access token counts against the session's limit, here so that
 * counting and deciding are one step.
 */
export const ROTATE = `${SESSION_FIELD_LUA}${FIXED_WINDOW_LUA}
local field = 's:' .. ARGV[1]
local raw = redis.call('HGET', KEYS[1], field)
local claims = redis.call('HGET', KEYS[1], 'claims')
if not raw or not claims then return {'invalid'} end
local gen, rotated_at, idle_until, expires_at = read_session(raw)
local presented, now = tonumber(ARGV[2]), tonumber(ARGV[3])
if now >= idle_until or now >= expires_at then
  redis.call('HDEL', KEYS[1], field, 'm:' .. ARGV[1])
  return {'invalid'}
end
if gen < 0 then return {'reused', claims} end
local same_successor = presented == gen - 1 and now - rotated_at < tonumber(ARGV[4])
if presented < gen and not same_successor then
  redis.call('HSET', KEYS[1], field, string.format('reused|%d|%d', idle_until, expires_at))
  return {'reused', claims}
end
if presented > gen + 1 then return {'invalid'} end
local wait = fixed_window_hit(KEYS[2], tonumber(ARGV[6]), tonumber(ARGV[7]))
if wait > 0 then return {'limited', string.format('%d', wait)} end
local meta = redis.call('HGET', KEYS[1], 'm:' .. ARGV[1]) or '{}'
if same_successor then
  return {'rotated', string.format('%d', gen), string.format('%d', idle_until), claims, meta}
end
gen = presented + 1
idle_until = math.min(now + tonumber(ARGV[5]), expires_at)
write_session(KEYS[1], field, gen, now, idle_until, expires_at)
keep_until(KEYS[1], now, idle_until)
return {'rotated', string.format('%d', gen), string.format('%d', idle_until), claims, meta}
`;

/** KEYS: sessions. ARGV: session id. Returns 1 when the session was live and is now gone. */
export const REVOKE_SESSION = `
local ended = redis.call('HDEL', KEYS[1], 's:' .. ARGV[1])
redis.call('HDEL', KEYS[1], 'm:' .. ARGV[1])
return ended
`;

/**
 * KEYS: sessions. ARGV: fence ms, the session to keep ('' for none). Ends every other session of
 * the user and sets the fence to Redis's now, so a login whose credential read came before this
 * cannot open a session after it. Returns the ended session ids.
 */
export const REVOKE_ALL = `${REDIS_NOW_LUA}
local ended = {}
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  local prefix, sid = string.sub(field, 1, 2), string.sub(field, 3)
  if (prefix == 's:' or prefix == 'm:') and sid ~= ARGV[2] then
    redis.call('HDEL', KEYS[1], field)
    if prefix == 's:' then table.insert(ended, sid) end
  end
end
-- With no session left, the claims (personal data) go too.
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], 'claims') end
redis.call('HSET', KEYS[1], 'fence', string.format('%d', redis_now_ms()))
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return ended
`;

/** KEYS: sessions. Sets emailVerified in the user's claims, so the next refresh signs the fact. */
export const MARK_EMAIL_VERIFIED = `
local claims = redis.call('HGET', KEYS[1], 'claims')
if not claims then return 0 end
local decoded = cjson.decode(claims)
decoded.emailVerified = true
redis.call('HSET', KEYS[1], 'claims', cjson.encode(decoded))
return 1
`;
