-- The idempotency wrapper (src/idempotency.ts): runs an operation script at most once per record key,
-- and answers every later run with the outcome of the first. The operation's source replaces the
-- marker line below; it runs as a function of its own KEYS and ARGV (the ones after the record's)
-- and must return its outcome as a string, having checked everything before it writes anything.
-- KEYS[1]     the idempotency record: a hash {fingerprint, outcome}, expiring after ARGV[2] ms
-- KEYS[2..]   the operation's keys
-- ARGV[1]     fingerprint of the request (the same key with another request is a conflict)
-- ARGV[2]     how long the record lives, ms (a positive integer)
-- ARGV[3..]   the operation's arguments
-- Returns {'first', outcome} when the operation ran now, {'replay', outcome} when the record answered,
-- {'conflict', stored fingerprint} when the key was used for another request (nothing ran).
local stored = redis.call('HMGET', KEYS[1], 'fingerprint', 'outcome')
if stored[1] then
  if stored[1] ~= ARGV[1] then return {'conflict', stored[1]} end
  return {'replay', stored[2]}
end

local operation = function(KEYS, ARGV)
--[[ operation ]]
end

local outcome = operation({unpack(KEYS, 2)}, {unpack(ARGV, 3)})
if type(outcome) ~= 'string' then
  return redis.error_reply('the operation under an idempotency record must return a string outcome')
end
redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'outcome', outcome)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'first', outcome}
