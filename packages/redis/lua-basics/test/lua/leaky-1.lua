#!lua
-- Breaks the KEYS rule on purpose, for the tests: it builds a second key name itself.
-- KEYS[1]  a key it declares
-- ARGV[1]  the name of a key it does NOT declare
-- Returns 1. On one server it works; on a cluster node the "#!lua" line makes Redis refuse line 7.
redis.call('SET', KEYS[1], 'declared')
redis.call('SET', ARGV[1], 'undeclared')
return 1
