-- Start one message of a batch, right before its handler runs. A batch's messages all start their idle
-- clock when read, but run one after another, so by the time its turn comes a message may already have
-- been claimed by another consumer: then it is theirs and this one must not run it. Otherwise its idle
-- time is reset (so nobody can claim it for claimIdleMs from now: that is the time the handler has) and
-- the handler run is counted. Dead-lettering counts these runs, not deliveries: a message read in a
-- batch its consumer never got to (it stopped, or crashed, first) has not been tried.
-- KEYS[1]  the stream
-- KEYS[2]  runs hash of the group (message id -> "<handler runs>|<token of the last start>")
-- ARGV[1]  consumer group
-- ARGV[2]  consumer that is about to run the message
-- ARGV[3]  message id
-- ARGV[4]  start token (random, new for every start)
-- Returns the run number (1 on the first run), 0 when another consumer holds the message now (or it
-- was acked), -1 when the stream no longer has it (trimmed; XCLAIM dropped it from the pending list).
-- Idempotent: a re-send of this very start (same token) answers the same run number again.
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)[1]
if not pending or pending[2] ~= ARGV[2] then
  return 0
end
local runs = redis.call('HGET', KEYS[2], ARGV[3])
local sep = runs and string.find(runs, '|', 1, true)
if runs and string.sub(runs, sep + 1) == ARGV[4] then
  return tonumber(string.sub(runs, 1, sep - 1))
end
-- XCLAIM to its own holder: idle time back to 0; JUSTID leaves the delivery count alone.
if #redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID') == 0 then
  redis.call('HDEL', KEYS[2], ARGV[3])
  return -1
end
local run = (runs and tonumber(string.sub(runs, 1, sep - 1)) or 0) + 1
redis.call('HSET', KEYS[2], ARGV[3], run .. '|' .. ARGV[4])
return run
