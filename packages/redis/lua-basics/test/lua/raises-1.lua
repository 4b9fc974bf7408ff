#!lua
-- A domain error on purpose, for the tests: error({err = ...}) sets the reply's code and keeps the line.
-- KEYS[1]  a counter
-- ARGV[1]  how many to take
-- Returns the units left, or fails with OUT_OF_STOCK when fewer are left than asked.
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
if left < tonumber(ARGV[1]) then
  error({err = 'OUT_OF_STOCK only ' .. left .. ' left'})
end
return redis.call('DECRBY', KEYS[1], ARGV[1])
