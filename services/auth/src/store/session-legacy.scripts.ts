import { MAX_LABEL_BYTES } from './device-label';

/**
 * Reads sessions written before the listpack layout (session.scripts.ts), so a deploy signs
 * nobody out. The old layout, in `redisKeys.legacySessions` (a hashtable, ~800 bytes a session):
 *
 *   claims       JSON {userId, email, name, roles, emailVerified}
 *   fence        ms
 *   s:<uuid>     generation|rotatedAt|idleUntil|expiresAt, or reused|idleUntil|expiresAt (decimal ms)
 *   m:<uuid>     JSON {createdAt, userAgent, amr}
 *
 * plus `refreshes:{<user>}:<uuid>`, a counter left to expire with its rate window.
 * Every session script first moves a user's old hash into the new one, whole, then works on the
 * new layout only; the old key is deleted, so this costs one EXISTS once nobody has one. A user
 * agent too long for the new layout is cut, not labelled (device-label.ts is TypeScript). Once
 * SESSION_MAX_AGE_SECONDS has passed since the deploy, no old key is left and this file can go.
 *
 * Uses write_text, write_state and b36 of the script it is part of.
 */
export const MIGRATE_LEGACY_LUA = `
local B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
local function b64_digit(d) return string.sub(B64, d + 1, d + 1) end
-- A session id in UUID text as its 22 characters of base64url, or nil.
local function legacy_session_id(uuid)
  local hex = string.gsub(uuid, '-', '')
  if not string.match(hex, '^%x+$') or #hex ~= 32 then return nil end
  local out = {}
  for i = 1, 25, 6 do
    local n = tonumber(string.sub(hex, i, i + 5), 16)
    for shift = 3, 0, -1 do out[#out + 1] = b64_digit(math.floor(n / 64 ^ shift) % 64) end
  end
  local last = tonumber(string.sub(hex, 31, 32), 16)
  out[#out + 1] = b64_digit(math.floor(last / 4))
  out[#out + 1] = b64_digit((last % 4) * 16)
  return table.concat(out)
end
local function legacy_json(raw)
  if not raw then return {} end
  local ok, decoded = pcall(cjson.decode, raw)
  if ok and type(decoded) == 'table' then return decoded end
  return {}
end
-- The longest prefix within max bytes that does not end inside a UTF-8 character.
local function cut_text(text, max)
  if #text <= max then return text end
  local i = max
  while i > 0 and string.byte(text, i + 1) >= 128 and string.byte(text, i + 1) < 192 do i = i - 1 end
  return string.sub(text, 1, i)
end
local function legacy_strings(list, pattern)
  local out = {}
  if type(list) ~= 'table' then return '' end
  for _, item in ipairs(list) do
    if type(item) == 'string' and string.match(item, pattern) then out[#out + 1] = item end
  end
  return table.concat(out, ',')
end
local function migrate_legacy(key, legacy)
  if redis.call('EXISTS', legacy) == 0 then return end
  local old, fields = {}, redis.call('HGETALL', legacy)
  for i = 1, #fields, 2 do old[fields[i]] = fields[i + 1] end
  -- A login since the deploy wrote fresher claims.
  local claims = legacy_json(old.claims)
  if type(claims.email) == 'string' and redis.call('HEXISTS', key, 'e') == 0 then
    write_text(key, 'e', claims.email)
    write_text(key, 'n', type(claims.name) == 'string' and claims.name or nil)
    redis.call('HSET', key, 'r', legacy_strings(claims.roles, '^[%w_-]+$'), 'v', claims.emailVerified == true and '1' or '0')
  end
  local fence = tonumber(old.fence or '')
  if fence and fence > tonumber(redis.call('HGET', key, 'f') or '-1') then redis.call('HSET', key, 'f', old.fence) end
  for field, raw in pairs(old) do
    local id = string.sub(field, 1, 2) == 's:' and legacy_session_id(string.sub(field, 3))
    if id then
      local meta = legacy_json(old['m:' .. string.sub(field, 3)])
      local s = { rotated = 0, window = 0, hits = 0, amr = legacy_strings(meta.amr, '^%a+$') }
      local gen, rotated, idle, expires = string.match(raw, '^(%d+)|(%d+)|(%d+)|(%d+)$')
      if gen then
        s.gen, s.rotated, s.idle, s.expires = tonumber(gen), tonumber(rotated), tonumber(idle), tonumber(expires)
      else
        s.gen, s.idle, s.expires = -1, string.match(raw, '^reused|(%d+)|(%d+)$')
        s.idle, s.expires = tonumber(s.idle), tonumber(s.expires)
      end
      if s.idle and s.expires then
        write_state(key, 's' .. id, s)
        local created = type(meta.createdAt) == 'number' and meta.createdAt or 0
        local agent = type(meta.userAgent) == 'string' and cut_text(meta.userAgent, ${MAX_LABEL_BYTES}) or ''
        redis.call('HSET', key, 'm' .. id, b36(created) .. '|' .. agent)
      end
    end
  end
  local ttl = redis.call('PTTL', legacy)
  redis.call('DEL', legacy)
  if ttl > redis.call('PTTL', key) then redis.call('PEXPIRE', key, ttl) end
end
`;
