-- The stock levels of one SKU, after giving back the units of holds whose time is up (so a read never
-- shows units held by a reservation that has ended). Also the sweep a timer can run.
-- KEYS[1]  stock levels of the SKU (hash: available, reserved, sold)
-- KEYS[2]  deadlines of the SKU's holds (sorted set: member reservation id, score expiresAt in epoch ms)
-- KEYS[3]  units of the SKU's holds (hash: reservation id -> units)
-- ARGV[1]  now in epoch ms from the caller's clock, or '' for this server's clock (TIME)
-- Returns {available, reserved, sold, holds that ended in this call}
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[1])
end

local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, gone in ipairs(expired) do
  local units = tonumber(redis.call('HGET', KEYS[3], gone))
  redis.call('HINCRBY', KEYS[1], 'available', units)
  redis.call('HINCRBY', KEYS[1], 'reserved', -units)
  redis.call('HDEL', KEYS[3], gone)
end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end

local levels = redis.call('HMGET', KEYS[1], 'available', 'reserved', 'sold')
return {tonumber(levels[1] or '0'), tonumber(levels[2] or '0'), tonumber(levels[3] or '0'), #expired}
