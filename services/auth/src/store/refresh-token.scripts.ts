/**
 * Lua scripts for the refresh-token store. Each runs atomically inside Redis, so two concurrent
 * refreshes of one token cannot both see it as active. Key layout (after the client's prefix):
 *   rt:<sha256(token)>  hash  sid, uid, state (active|rotated), rotatedAt(ms)      TTL = refresh TTL
 *   sess:<sid>          hash  uid, claims (JSON)                                    TTL slides with use
 *   user:<uid>:sess     set   session ids of the user                              TTL slides with use
 * A session is alive while `sess:<sid>` exists; revoking it is deleting that one key, which kills
 * every token of the family at once. ARGV[1] is the key prefix, for keys derived inside a script.
 */

/** KEYS: rt:<new>, sess:<sid>, user:<uid>:sess. ARGV: prefix, sid, uid, claims, ttl. */
export const CREATE_SESSION = `
redis.call('HSET', KEYS[2], 'uid', ARGV[3], 'claims', ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('HSET', KEYS[1], 'sid', ARGV[2], 'uid', ARGV[3], 'state', 'active')
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[5])
return 1
`;

/**
 * KEYS: rt:<old>, rt:<new>, rl:refresh:<client address>.
 * ARGV: prefix, now(ms), grace(ms), ttl(s), client limit, client window(ms).
 * Returns {'limited', retryAfterMs} | {'rotated', sid, claims} | {'reused', sid, uid} | {'invalid'}.
 * The per-address limit is counted here rather than by a separate call, so a refresh is exactly
 * one round trip to Redis.
 */
export const ROTATE = `
local hits = redis.call('INCR', KEYS[3])
local window = redis.call('PTTL', KEYS[3])
if window < 0 then redis.call('PEXPIRE', KEYS[3], ARGV[6]); window = tonumber(ARGV[6]) end
if hits > tonumber(ARGV[5]) then return {'limited', tostring(window)} end
local old = redis.call('HMGET', KEYS[1], 'sid', 'state', 'rotatedAt')
local sid, state, rotatedAt = old[1], old[2], old[3]
if not sid then return {'invalid'} end
local sessKey = ARGV[1] .. 'sess:' .. sid
local sess = redis.call('HMGET', sessKey, 'uid', 'claims')
local uid, claims = sess[1], sess[2]
if not uid then return {'invalid'} end
if state == 'rotated' then
  if tonumber(ARGV[2]) - tonumber(rotatedAt) >= tonumber(ARGV[3]) then
    redis.call('DEL', sessKey)
    redis.call('SREM', ARGV[1] .. 'user:' .. uid .. ':sess', sid)
    return {'reused', sid, uid}
  end
else
  redis.call('HSET', KEYS[1], 'state', 'rotated', 'rotatedAt', ARGV[2])
end
redis.call('HSET', KEYS[2], 'sid', sid, 'uid', uid, 'state', 'active')
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('EXPIRE', sessKey, ARGV[4])
redis.call('EXPIRE', ARGV[1] .. 'user:' .. uid .. ':sess', ARGV[4])
return {'rotated', sid, claims}
`;

/** KEYS: rt:<token>. ARGV: prefix. Returns the revoked session id or false. */
export const REVOKE_BY_TOKEN = `
local t = redis.call('HMGET', KEYS[1], 'sid', 'uid')
if not t[1] then return false end
redis.call('DEL', ARGV[1] .. 'sess:' .. t[1])
redis.call('SREM', ARGV[1] .. 'user:' .. t[2] .. ':sess', t[1])
return t[1]
`;

/** KEYS: user:<uid>:sess. ARGV: prefix. Returns the revoked session ids. */
export const REVOKE_ALL_FOR_USER = `
local sids = redis.call('SMEMBERS', KEYS[1])
for _, sid in ipairs(sids) do redis.call('DEL', ARGV[1] .. 'sess:' .. sid) end
redis.call('DEL', KEYS[1])
return sids
`;

/**
 * KEYS: user:<uid>:sess. ARGV: prefix. Sets `emailVerified` in the claims of each live session,
 * so the next refresh signs the new fact. Returns how many sessions changed.
 */
export const MARK_EMAIL_VERIFIED = `
local changed = 0
for _, sid in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local sessKey = ARGV[1] .. 'sess:' .. sid
  local claims = redis.call('HGET', sessKey, 'claims')
  if claims then
    local decoded = cjson.decode(claims)
    decoded.emailVerified = true
    redis.call('HSET', sessKey, 'claims', cjson.encode(decoded))
    changed = changed + 1
  end
end
return changed
`;
