-- Test script: SET KEYS[1] to ARGV[1] unless it exists.
-- KEYS[1]  the key
-- ARGV[1]  the value
-- Returns 1 when set, 0 when the key already existed.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
