-- Sliding-window log: admit `cost` requests if fewer than `limit` - cost + 1 were admitted in the last windowMs.
-- KEYS[1]  sorted set of admitted requests: member = request id, score = admission time in ms
-- ARGV[1]  now, ms since the epoch (from the caller's clock)
-- ARGV[2]  windowMs (positive integer)
-- ARGV[3]  limit (positive integer)
-- ARGV[4]  cost (1 <= cost <= limit)
-- ARGV[5]  request id, unique per call (":<n>" is appended per unit of cost)
-- Returns {allowed 1|0, remaining, retryAfterMs, resetMs}.
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])

-- An entry admitted at time t counts while now < t + window: drop the ones at or before now - window.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])

if used + cost <= limit then
  for i = 1, cost do
    redis.call('ZADD', KEYS[1], now, ARGV[5] .. ':' .. i)
  end
  -- The whole log is stale once its newest entry is; Redis then frees it by itself.
  redis.call('PEXPIRE', KEYS[1], window)
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  return {1, limit - used - cost, 0, tonumber(newest[2]) + window - now}
end

-- Denied, and not recorded. It can pass once the (used + cost - limit) oldest entries have left the
-- window: wait for the youngest of them.
local nth = used + cost - limit - 1
local blocking = redis.call('ZRANGE', KEYS[1], nth, nth, 'WITHSCORES')
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
return {0, math.max(limit - used, 0), tonumber(blocking[2]) + window - now, tonumber(newest[2]) + window - now}
