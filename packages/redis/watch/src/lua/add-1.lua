-- The same read-modify-write as the WATCH version (checkAndSet().modify(key, v => v + amount)), done
-- where it is atomic: Redis runs a script to the end with no other command in between, so no other
-- client can write the key between the GET and the SET, and there is nothing to retry.
-- KEYS[1]  counter: a string holding an integer (missing = 0)
-- ARGV[1]  amount to add (an integer)
-- Returns the new value.
-- Not idempotent: a call re-sent after a lost reply adds twice (as MULTI/EXEC re-sent does).
local value = tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(ARGV[1])
redis.call('SET', KEYS[1], value)
return value
