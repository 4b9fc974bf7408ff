-- Sliding-window counter: one counter per fixed window, and an estimate of the last windowMs that
-- weights the previous window's count by the share of it still inside the sliding window.
-- KEYS[1]  counter of the current window (index floor(now / windowMs), computed by the caller)
-- KEYS[2]  counter of the previous window (index - 1)
-- ARGV[1]  now, ms since the epoch (from the caller's clock)
-- ARGV[2]  windowMs (positive integer)
-- ARGV[3]  limit (positive integer)
-- ARGV[4]  cost (1 <= cost <= limit)
-- Returns {allowed 1|0, remaining, retryAfterMs, resetMs}.
-- Arithmetic is scaled by windowMs so that every comparison is between integers.
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])

local elapsed = now % window
local curr = tonumber(redis.call('GET', KEYS[1]) or '0')
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
-- estimate * window = prev * (window - elapsed) + curr * window
local scaled = prev * (window - elapsed) + curr * window

if scaled + cost * window <= limit * window then
  redis.call('INCRBY', KEYS[1], cost)
  -- Read as "previous" during the next window, so it must outlive this one.
  redis.call('PEXPIRE', KEYS[1], 2 * window)
  local remaining = math.floor((limit * window - scaled - cost * window) / window)
  return {1, remaining, 0, 2 * window - elapsed}
end

local retry
local room = limit - cost - curr
if room >= 0 then
  -- Passes later in this window, once prev * (window - e) <= room * window, i.e. e >= window * (prev - room) / prev.
  retry = math.ceil(window * (prev - room) / prev) - elapsed
else
  -- This window's own count is too high: wait until, in the next one, curr * (window - e) <= (limit - cost) * window.
  retry = (window - elapsed) + math.ceil(window * (curr - (limit - cost)) / curr)
end
local reset = window - elapsed
if curr > 0 then reset = reset + window end
local remaining = math.max(math.floor((limit * window - scaled) / window), 0)
return {0, remaining, retry, reset}
