-- Take over messages that sat un-acked past an idle threshold (their consumer crashed or hangs), and
-- move the ones delivered too often to the dead-letter stream, in one atomic step: a crash between
-- "copy to dead letters" and "ack" can then neither lose a poison message nor copy it twice.
-- KEYS[1]  the stream
-- KEYS[2]  the dead-letter stream
-- ARGV[1]  consumer group
-- ARGV[2]  consumer that takes the messages over
-- ARGV[3]  min idle time in ms: only messages pending at least this long are claimed
-- ARGV[4]  cursor: the stream id to scan the pending entries list from ('0-0' = from its start)
-- ARGV[5]  the most messages to claim in this call
-- ARGV[6]  max deliveries: a message whose delivery count after this claim exceeds it is dead-lettered
-- Returns {next cursor ('0-0' when the scan is complete),
--          {{id, {field, value, ...}, deliveries}, ...} claimed for processing,
--          {id, ...} dead-lettered (copied to KEYS[2] and acked),
--          {id, ...} pending but trimmed from the stream before anyone processed them}
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local max = tonumber(ARGV[6])
local keep, dead = {}, {}
for _, entry in ipairs(claimed[2]) do
  local id, fields = entry[1], entry[2]
  -- XAUTOCLAIM just incremented the delivery count; XPENDING on this one id reads it back.
  local deliveries = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)[1][4]
  if deliveries > max then
    local copy = {'origin-id', id, 'group', ARGV[1], 'deliveries', tostring(deliveries - 1)}
    for i = 1, #fields do copy[#copy + 1] = fields[i] end
    redis.call('XADD', KEYS[2], '*', unpack(copy))
    redis.call('XACK', KEYS[1], ARGV[1], id)
    dead[#dead + 1] = id
  else
    keep[#keep + 1] = {id, fields, deliveries}
  end
end
return {claimed[1], keep, dead, claimed[3] or {}}
