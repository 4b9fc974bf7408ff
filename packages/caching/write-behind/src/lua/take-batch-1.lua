-- The plain flusher's take: every dirty entry, removed from Redis in the same step. From here until the
-- database commit the batch exists only in the flusher's memory: kill the flusher and it is gone.
-- KEYS[1]  the dirty hash
-- Returns the flat list key1, value1, key2, value2, ...
local entries = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return entries
