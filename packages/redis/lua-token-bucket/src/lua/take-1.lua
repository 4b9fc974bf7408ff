-- Token bucket: take `cost` tokens from a bucket that holds at most `capacity` and refills continuously
-- at `tokens` per `perMs` ms. Read, refill, decide and write in one script: no other client's take can
-- run in between, however many processes share the bucket.
-- Exact integer arithmetic: time is in µs; a token is perMs × 1000 "units" and every µs adds `tokens`
-- units, so a fraction of a token earned between two calls is kept, never rounded away or invented.
-- KEYS[1]  hash of one bucket: level (units held), at (µs of its last refill). Absent = full.
-- ARGV[1]  capacity (positive integer)
-- ARGV[2]  tokens of the rate (positive integer)
-- ARGV[3]  perMs of the rate (positive integer)
-- ARGV[4]  cost (1 <= cost <= capacity)
-- ARGV[5]  now in ms since the epoch from the caller's clock, or "" to read the server's own (TIME)
-- Returns {allowed 1|0, remaining whole tokens, retryAfterMs (0 when allowed)}.
local capacity = tonumber(ARGV[1])
local tokens = tonumber(ARGV[2])
local unit = tonumber(ARGV[3]) * 1000
local cost = tonumber(ARGV[4])

local now
if ARGV[5] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[5]) * 1000
end

-- A Lua number as an exact integer string, whatever a Redis version's own conversion does (Lua's
-- tostring keeps 14 significant digits; a µs timestamp has 16).
local function int(x)
  return string.format('%.0f', x)
end

local full = capacity * unit
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1]) or full
local at = tonumber(state[2]) or now

-- Refill for the time since the last refill, never past full. A clock that went back adds nothing, and
-- `at` stays where it was, so the same µs are not paid for twice when it catches up.
if now > at then
  local untilFull = math.ceil((full - level) / tokens)
  level = math.min(full, level + math.min(now - at, untilFull) * tokens)
  at = now
end

local need = cost * unit
if level < need then
  -- Denied, and nothing written: the same refill is computed again, identically, by the next call.
  local waitUs = math.ceil((need - level) / tokens)
  return {0, math.floor(level / unit), math.ceil(waitUs / 1000)}
end

level = level - need
redis.call('HSET', KEYS[1], 'level', int(level), 'at', int(at))
-- Once the bucket would be full again its key says nothing an absent key does not: Redis drops it.
redis.call('PEXPIRE', KEYS[1], int(math.ceil(math.ceil((full - level) / tokens) / 1000)))
return {1, math.floor(level / unit), 0}
