-- Acknowledge a message whose handler succeeded, and forget its run count.
-- KEYS[1]  the stream
-- KEYS[2]  runs hash of the group (see start-2.lua)
-- ARGV[1]  consumer group
-- ARGV[2]  message id
-- Returns 1 when this call removed the message from the pending list, 0 when it was not pending any
-- more (another consumer that claimed it acked it first): only 1s are counted as acks.
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[2])
return acked
