-- One cache access, as a cache-aside reader does it: GET, and on a miss SET the value. In one script so
-- that a trace of accesses can be pipelined without a round trip between the GET and the SET.
-- KEYS[1]  the cached key
-- ARGV[1]  the value to store on a miss
-- Returns 1 on a hit, 0 on a miss (the value is then stored; maxmemory-policy decides what it evicts).
if redis.call('GET', KEYS[1]) then
  return 1
end
redis.call('SET', KEYS[1], ARGV[1])
return 0
