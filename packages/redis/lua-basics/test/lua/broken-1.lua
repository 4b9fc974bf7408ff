#!lua
-- A bug on purpose, for the tests: treats a missing key's value as a table.
-- KEYS[1]  a key that does not exist
-- Returns nothing: GET answers false for a missing key, and line 6 indexes it.
local config = redis.call('GET', KEYS[1])
return config.limit
