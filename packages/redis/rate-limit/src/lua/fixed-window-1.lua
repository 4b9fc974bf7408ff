-- Fixed window: one counter per window of windowMs aligned to the epoch; it starts again at 0 when
-- the next window begins, whatever happened in the last milliseconds of this one.
-- KEYS[1]  counter of the current window (index floor(now / windowMs), computed by the caller)
-- ARGV[1]  now, ms since the epoch (from the caller's clock)
-- ARGV[2]  windowMs (positive integer)
-- ARGV[3]  limit (positive integer)
-- ARGV[4]  cost (1 <= cost <= limit)
-- Returns {allowed 1|0, remaining, retryAfterMs, resetMs}.
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])

local untilEnd = window - now % window
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + cost <= limit then
  redis.call('INCRBY', KEYS[1], cost)
  -- A whole window, not untilEnd: the TTL runs on Redis's clock, the window on the caller's.
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, limit - used - cost, 0, untilEnd}
end
return {0, math.max(limit - used, 0), untilEnd, untilEnd}
