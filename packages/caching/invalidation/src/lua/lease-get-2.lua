-- Lease get (Facebook's memcache, NSDI 2013, section 3.2.1): a hit returns the value; a miss hands out
-- a lease token unless another reader holds one, in which case the caller waits and retries.
-- KEYS[1]  the cache key (a string value)
-- KEYS[2]  the lease key of that cache key
-- ARGV[1]  a new lease token (random, unique per call)
-- ARGV[2]  lease duration in ms (how long a reader may take to load and set)
-- Returns {'hit', value} | {'lease', token} | {'wait', ''}.
local value = redis.call('GET', KEYS[1])
if value then
  return {'hit', value}
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {'lease', ARGV[1]}
end
return {'wait', ''}
