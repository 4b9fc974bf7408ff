-- Versioned set: store a value only if its version is newer than what the key holds, so a reader that
-- loaded an old row can never overwrite a newer value or a newer invalidation (a tombstone).
-- KEYS[1]  the cache key: a hash {v = version, d = data} (d absent in a tombstone)
-- ARGV[1]  version of the value (integer, from the database row)
-- ARGV[2]  data (the serialized value), or '' with ARGV[4] = '1' for a tombstone
-- ARGV[3]  ttl in ms
-- ARGV[4]  '1' to write a tombstone (an invalidation carrying the writer's version), '0' for a value
-- Returns 1 if stored, 0 if refused (the key already holds this version or a newer one).
local version = tonumber(ARGV[1])
local stored = redis.call('HGET', KEYS[1], 'v')
if stored then
  local current = tonumber(stored)
  local hasData = redis.call('HEXISTS', KEYS[1], 'd') == 1
  -- Equal versions: a value may replace its own tombstone (the first load after a write), nothing else.
  if version < current or (version == current and (hasData or ARGV[4] == '1')) then
    return 0
  end
end
redis.call('DEL', KEYS[1])
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], 'v', version)
else
  redis.call('HSET', KEYS[1], 'v', version, 'd', ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
