-- No "#!lua" line, on purpose, for the tests: Redis runs it in compatibility mode, where a cluster
-- node does not check that the keys it touches were declared. luaScripts() refuses to load it.
-- KEYS[1]  a key
-- Returns its value.
return redis.call('GET', KEYS[1])
