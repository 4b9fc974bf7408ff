-- Write a value unless the writer's fencing token is older than the newest this store has seen.
-- KEYS[1]  store hash (fields: value, fence = highest token accepted so far)
-- ARGV[1]  writer's fencing token (positive integer)
-- ARGV[2]  value to store
-- Returns {1, token} when written, {0, highest} when rejected as stale.
local highest = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
local token = tonumber(ARGV[1])
if token < highest then
  return {0, highest}
end
redis.call('HSET', KEYS[1], 'fence', ARGV[1], 'value', ARGV[2])
return {1, token}
