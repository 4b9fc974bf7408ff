-- Invalidate (or replace) one key for every process: change L2, append the invalidation to a capped
-- stream, then publish the stream id. One script, so the order of the published ids is the order of the
-- stream: a process that tracks the last id it heard can replay exactly what it missed.
-- KEYS[1]  the L2 key of the cached key
-- KEYS[2]  the invalidation stream (capped with MAXLEN ~)
-- ARGV[1]  the pub/sub channel (channels are not keys: the caller prefixes it)
-- ARGV[2]  the stream's approximate maximum length
-- ARGV[3]  the cached key (as callers name it)
-- ARGV[4]  the id of the process that writes (so it skips its own message)
-- ARGV[5]  "set" to store ARGV[6] in L2 for ARGV[7] ms, anything else to delete it
-- Returns the stream id of the invalidation.
if ARGV[5] == 'set' then
  redis.call('SET', KEYS[1], ARGV[6], 'PX', ARGV[7])
else
  redis.call('DEL', KEYS[1])
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'k', ARGV[3], 'o', ARGV[4])
redis.call('PUBLISH', ARGV[1], id .. ' ' .. ARGV[4] .. ' ' .. ARGV[3])
return id
