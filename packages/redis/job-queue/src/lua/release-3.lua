-- A closing worker gives back what its BLMOVEs moved but it never claimed: every id in its processing
-- list without a lease of that list goes back to the ready list. Claimed ids keep their lease (the
-- worker waited for their handlers, so they are acked or failed already). The registration is left to
-- expire: a BLMOVE the server has not yet cancelled may still move an id here, and the reaper sweeps
-- only registered lists.
-- KEYS[1]  leases hash       KEYS[2]  ready list     KEYS[3]  unclaimed hash (see reap-10.lua)
-- ARGV[1]  full key name of the worker's processing list
-- Returns how many ids went back.
local returned = 0
for _, id in ipairs(redis.call('LRANGE', ARGV[1], 0, -1)) do
  local lease = redis.call('HGET', KEYS[1], id)
  if not (lease and string.sub(lease, string.find(lease, '|', 1, true) + 1) == ARGV[1]) then
    redis.call('LREM', ARGV[1], 1, id)
    redis.call('RPUSH', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    returned = returned + 1
  end
end
-- Its ack receipts (ack-8.lua) are no longer needed: every ack of this worker has been answered.
redis.call('DEL', ARGV[1] .. ':receipts')
return returned
