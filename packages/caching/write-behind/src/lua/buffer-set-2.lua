-- Write-behind, plain: the value is readable at once and marked dirty for the flusher, in one step (a
-- reader never sees a value the flusher will not write, and the flusher never misses one that was read).
-- A later write of the same key overwrites its dirty entry: that is the coalescing.
-- KEYS[1]  the cache key
-- KEYS[2]  the dirty hash (field = key, value = the latest value)
-- ARGV[1]  the key (the field)
-- ARGV[2]  the value
-- Returns 1 when the key was already dirty (this write coalesced), 0 otherwise.
redis.call('SET', KEYS[1], ARGV[2])
return 1 - redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
