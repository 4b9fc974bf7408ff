-- A step failed: the owner turns its running saga into a compensating one, recording why.
-- KEYS[1]  the saga's log (hash)
-- KEYS[2]  active sagas (sorted set: saga id -> lease end)
-- ARGV[1]  saga id
-- ARGV[2]  owner token
-- ARGV[3]  new lease end, epoch ms
-- ARGV[4]  name of the step that failed
-- ARGV[5]  why it failed
-- Returns {'ok'} (also for a re-send), or {'lost', state} when the caller no longer owns the saga.
local saga = redis.call('HMGET', KEYS[1], 'state', 'owner')
if saga[2] ~= ARGV[2] or (saga[1] ~= 'running' and saga[1] ~= 'compensating') then
  return {'lost', saga[1] or 'gone'}
end
if saga[1] == 'running' then
  redis.call('HSET', KEYS[1], 'state', 'compensating', 'failedStep', ARGV[4], 'reason', ARGV[5], 'lease', ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
return {'ok'}
