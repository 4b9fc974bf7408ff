-- Reserve `quantity` units of one SKU for one reservation id, for ttlMs, if that many are available;
-- never a part of them. Holds of this SKU whose time is up go back to stock first. Idempotent per
-- reservation id: a second run (ioredis re-sending after a lost reply, or the caller retrying) answers
-- what the first run did and takes nothing more.
-- KEYS[1]  stock levels of the SKU (hash: available, reserved, sold)
-- KEYS[2]  deadlines of the SKU's holds (sorted set: member reservation id, score expiresAt in epoch ms)
-- KEYS[3]  units of the SKU's holds (hash: reservation id -> units)
-- KEYS[4]  this reservation's receipt (hash: state, quantity, expiresAt), kept receiptTtlMs after the hold
-- ARGV[1]  reservation id
-- ARGV[2]  quantity (positive integer)
-- ARGV[3]  ttlMs (positive integer)
-- ARGV[4]  receiptTtlMs (positive integer)
-- ARGV[5]  now in epoch ms from the caller's clock, or '' for this server's clock (TIME)
-- Returns {'reserved', expiresAt, available}   held now (by this run or an earlier one with the same id)
--         {'sold-out', available}              fewer than `quantity` units available; nothing written
--         {'conflict', state, quantity}        the id already held another quantity, or was settled
local id = ARGV[1]
local quantity = tonumber(ARGV[2])
local now
if ARGV[5] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[5])
end

-- A hold ends when now reaches its expiresAt: its units go back to stock.
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, gone in ipairs(expired) do
  local units = tonumber(redis.call('HGET', KEYS[3], gone))
  redis.call('HINCRBY', KEYS[1], 'available', units)
  redis.call('HINCRBY', KEYS[1], 'reserved', -units)
  redis.call('HDEL', KEYS[3], gone)
end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end

local available = tonumber(redis.call('HGET', KEYS[1], 'available') or '0')

-- The same id again: the first run's hold is the answer.
local held = redis.call('HGET', KEYS[3], id)
if held then
  if tonumber(held) ~= quantity then return {'conflict', 'held', tonumber(held)} end
  return {'reserved', tonumber(redis.call('ZSCORE', KEYS[2], id)), available}
end
-- Settled (or expired: its receipt still says held, but the hold is gone): an id reserves once.
local receipt = redis.call('HMGET', KEYS[4], 'state', 'quantity')
if receipt[1] then
  local state = receipt[1]
  if state == 'held' then state = 'expired' end
  return {'conflict', state, tonumber(receipt[2])}
end

if available < quantity then return {'sold-out', available} end
local expiresAt = now + tonumber(ARGV[3])
redis.call('HINCRBY', KEYS[1], 'available', -quantity)
redis.call('HINCRBY', KEYS[1], 'reserved', quantity)
redis.call('ZADD', KEYS[2], expiresAt, id)
redis.call('HSET', KEYS[3], id, quantity)
redis.call('HSET', KEYS[4], 'state', 'held', 'quantity', quantity, 'expiresAt', expiresAt)
-- The receipt outlives the hold on Redis's own clock, so a late retry still finds it.
redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[3]) + tonumber(ARGV[4]))
return {'reserved', expiresAt, available - quantity}
