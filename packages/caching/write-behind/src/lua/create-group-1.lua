-- Creates the stream and its consumer group, reading from the start; a group that exists is left alone.
-- In Lua so the stream name goes through KEYS (ioredis's keyPrefix does not reach XGROUP's key).
-- KEYS[1]  the stream
-- ARGV[1]  the group
-- Returns 1 if created, 0 if it existed.
local ok, err = pcall(redis.call, 'XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
if ok then
  return 1
end
if string.find(tostring(err), 'BUSYGROUP') then
  return 0
end
return redis.error_reply(tostring(err))
