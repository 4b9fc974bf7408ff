-- Write-behind, durable: the value is readable at once and appended to a stream, in one step. The
-- stream entry stays until a flusher has committed it to the database and acknowledged it (XACK).
-- KEYS[1]  the cache key
-- KEYS[2]  the stream
-- ARGV[1]  the key
-- ARGV[2]  the value
-- Returns the entry's id ("<ms>-<seq>"): the write's version, in stream order.
redis.call('SET', KEYS[1], ARGV[2])
return redis.call('XADD', KEYS[2], '*', 'k', ARGV[1], 'v', ARGV[2])
