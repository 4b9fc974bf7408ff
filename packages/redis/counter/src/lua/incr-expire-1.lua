-- Increment a counter and make sure it expires: the window starts at the first increment.
-- KEYS[1]  the counter key
-- ARGV[1]  increment (a positive integer)
-- ARGV[2]  window length in ms (the key's TTL, set only when it has none)
-- Returns  { new count, remaining TTL in ms }
--
-- One script, so no client can see (or crash between) "incremented" and "expiry set". PTTL < 0
-- rather than "count == increment" also repairs a key that exists without a TTL, whoever made it.
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return { count, ttl }
