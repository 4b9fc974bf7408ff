-- Settle one reservation: 'confirm' moves its units to sold, 'release' gives them back to stock. Holds
-- of this SKU whose time is up go back to stock first, so a hold past its expiresAt cannot be confirmed.
-- Idempotent: a second run (a re-send after a lost reply, a retry) answers what the first run did.
-- KEYS[1]  stock levels of the SKU (hash: available, reserved, sold)
-- KEYS[2]  deadlines of the SKU's holds (sorted set: member reservation id, score expiresAt in epoch ms)
-- KEYS[3]  units of the SKU's holds (hash: reservation id -> units)
-- KEYS[4]  this reservation's receipt (hash: state, quantity, expiresAt)
-- ARGV[1]  reservation id
-- ARGV[2]  'confirm' or 'release'
-- ARGV[3]  receiptTtlMs (positive integer): how long the settled receipt is kept
-- ARGV[4]  now in epoch ms from the caller's clock, or '' for this server's clock (TIME)
-- Returns {'confirmed' | 'released', quantity}   done, by this run or an earlier one
--         {'expired', expiresAt, quantity}        the hold had ended: its units are back in stock
--         {'conflict', state}                     confirmed when asked to release, or the other way round
--         {'not-found'}                           no such reservation (or its receipt has expired)
local id = ARGV[1]
local now
if ARGV[4] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[4])
end

local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, gone in ipairs(expired) do
  local units = tonumber(redis.call('HGET', KEYS[3], gone))
  redis.call('HINCRBY', KEYS[1], 'available', units)
  redis.call('HINCRBY', KEYS[1], 'reserved', -units)
  redis.call('HDEL', KEYS[3], gone)
end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end

local done = 'released'
if ARGV[2] == 'confirm' then done = 'confirmed' end

local held = redis.call('HGET', KEYS[3], id)
if held then
  local units = tonumber(held)
  redis.call('HINCRBY', KEYS[1], 'reserved', -units)
  if done == 'confirmed' then
    redis.call('HINCRBY', KEYS[1], 'sold', units)
  else
    redis.call('HINCRBY', KEYS[1], 'available', units)
  end
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('HSET', KEYS[4], 'state', done)
  redis.call('PEXPIRE', KEYS[4], ARGV[3])
  return {done, units}
end

local receipt = redis.call('HMGET', KEYS[4], 'state', 'quantity', 'expiresAt')
if not receipt[1] then return {'not-found'} end
if receipt[1] == done then return {done, tonumber(receipt[2])} end
-- Its receipt says held, but the hold is gone: it expired (above, or in an earlier call).
if receipt[1] == 'held' then return {'expired', tonumber(receipt[3]), tonumber(receipt[2])} end
return {'conflict', receipt[1]}
