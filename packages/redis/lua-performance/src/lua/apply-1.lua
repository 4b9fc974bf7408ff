#!lua
-- The N-step operation in one script: add each amount to a counter (one INCRBY per step), then read the
-- counter back. Nothing else runs on the server between the steps, and it costs one round trip for any N.
-- KEYS[1]      the counter
-- ARGV[1..N]   the amounts, integers, one step each (N >= 1)
-- Returns {the reply of each INCRBY, in order ..., the value GET reads after the last step}.
-- Not idempotent: run twice (a reply lost and the command re-sent), it adds every amount twice.
local replies = {}
for i = 1, #ARGV do
  replies[i] = redis.call('INCRBY', KEYS[1], ARGV[i])
end
replies[#ARGV + 1] = tonumber(redis.call('GET', KEYS[1]))
return replies
