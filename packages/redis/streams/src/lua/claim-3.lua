-- Take over messages that sat un-acked past an idle threshold (their consumer crashed, hangs, or has
-- not reached them in its batch yet), and move the ones whose handler already ran too often to the
-- dead-letter stream, in one atomic step: a crash between "copy to dead letters" and "ack" can then
-- neither lose a poison message nor copy it twice.
-- KEYS[1]  the stream
-- KEYS[2]  the dead-letter stream
-- KEYS[3]  runs hash of the group (message id -> "<handler runs>|<token>", written by start-2.lua)
-- ARGV[1]  consumer group
-- ARGV[2]  consumer that takes the messages over
-- ARGV[3]  min idle time in ms: only messages pending at least this long are claimed
-- ARGV[4]  cursor: the stream id to scan the pending entries list from ('0-0' = from its start)
-- ARGV[5]  the most messages to claim in this call
-- ARGV[6]  max deliveries: a message whose handler has run this many times without an ack is
--          dead-lettered instead of being run again. Deliveries that never reached a handler (the
--          message waited in a batch whose consumer stopped or died first) do not count.
-- Returns {next cursor ('0-0' when the scan is complete),
--          {{id, {field, value, ...}}, ...} claimed for processing,
--          {id, ...} dead-lettered (copied to KEYS[2] and acked),
--          {id, ...} pending but trimmed from the stream before anyone processed them}
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local max = tonumber(ARGV[6])
local keep, dead = {}, {}
for _, entry in ipairs(claimed[2]) do
  local id, fields = entry[1], entry[2]
  local runs = redis.call('HGET', KEYS[3], id)
  runs = runs and tonumber(string.sub(runs, 1, string.find(runs, '|', 1, true) - 1)) or 0
  if runs >= max then
    local copy = {'origin-id', id, 'group', ARGV[1], 'deliveries', tostring(runs)}
    for i = 1, #fields do copy[#copy + 1] = fields[i] end
    redis.call('XADD', KEYS[2], '*', unpack(copy))
    redis.call('XACK', KEYS[1], ARGV[1], id)
    redis.call('HDEL', KEYS[3], id)
    dead[#dead + 1] = id
  else
    keep[#keep + 1] = {id, fields}
  end
end
local trimmed = claimed[3] or {}
for _, id in ipairs(trimmed) do
  redis.call('HDEL', KEYS[3], id)
end
return {claimed[1], keep, dead, trimmed}
