-- A worker's heartbeat: (re)register its processing list with a deadline on Redis's own clock, so a
-- client whose clock is wrong can neither look dead while it works nor look alive after it died.
-- KEYS[1]  workers sorted set (member = full name of a processing list, score = heartbeat deadline in
--          ms on the server's clock)
-- ARGV[1]  full key name of the worker's processing list (with any client key prefix)
-- ARGV[2]  how long the registration holds without another beat, in ms (3 heartbeat periods)
-- Returns the new deadline. ZADD GT: a beat that arrives late never shortens a later one.
local time = redis.call('TIME')
local deadline = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], 'GT', string.format('%d', deadline), ARGV[1])
return deadline
